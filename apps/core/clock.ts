/** The time as the composition root tells it (tests inject their own): every cache and deadline of state reads it. */
export interface Clock {
  now(): Date;
}
