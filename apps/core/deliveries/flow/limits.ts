import type { ExportContext } from '../export-context.ts';
import type { FlowLimits } from './flow-control.ts';

/** The limits flow control applies to an export: an ordered one is kept to one at a time by the database. */
export function flowLimits(exp: ExportContext): FlowLimits {
  return { maxInFlight: exp.ordered ? null : exp.maxInFlight, ratePerMinute: exp.rateLimitPerMinute };
}
