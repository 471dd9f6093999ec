/** What the export of a parked delivery says about why it cannot be sent. */
export interface ParkedExport {
  enabled: boolean;
  oauthConfig: unknown | null;
  oauthConnection: { status: string } | null;
}

/**
 * What an operator does so a parked delivery is sent (docs/api/deliveries.md, "Parking"): the
 * console shows it beside the delivery. Parking spends no attempt; once the export can deliver
 * again, its parked deliveries go out oldest first.
 */
export function nextStepFor(exp: ParkedExport): string {
  if (!exp.enabled) {
    return "Enable the export again (the export's page, or PATCH /v1/exports/:id with enabled: true) once its webhook is back: parked deliveries are then sent within about a minute.";
  }
  if (!exp.oauthConfig) {
    return 'Fill in "Configure OAuth" on the export\'s page, then press "Authorize Export": parked deliveries are sent once it is authorized.';
  }
  const status = exp.oauthConnection?.status;
  if (status === 'authorized') {
    return 'Nothing: the export can deliver again, and parked deliveries are sent within about a minute.';
  }
  if (status === 'pending') {
    return 'Wait for the authorization under way to finish: parked deliveries are sent once it succeeds.';
  }
  return "Authorize Export again on the export's OAuth panel (the CRM no longer accepts the connection): parked deliveries are then sent, oldest first.";
}
