// The export's delivery settings form (docs/api/deliveries.md): PATCH /v1/exports/:id with the
// retry schedule, max in flight, rate limit, ordering and permanent failure codes. Lists are typed as
// numbers separated by commas or spaces; what the API refuses shows beside its field.
import { api, seg } from './api.js';
import { $ } from './dom.js';
import { clearErrors, showErrors, whileBusy } from './forms.js';

/** "5, 300 1800" → [5, 300, 1800]; a word that is not a whole number stays as typed for the API to name. */
function numberList(text) {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((word) => (/^\d+$/.test(word) ? Number(word) : word));
}

/** Wires the form; `fill(item)` shows an export's values, `onSaved(item)` gets the answer. */
export function initDeliverySettings(exportId, onSaved) {
  const form = $('#settings-form');
  const fields = form.elements;

  function fill(item) {
    fields.retrySchedule.value = (item.retrySchedule ?? []).join(', ');
    fields.maxInFlight.value = item.maxInFlight ?? '';
    fields.rateLimitPerMinute.value = item.rateLimitPerMinute ?? '';
    fields.permanentStatuses.value = (item.permanentStatuses ?? []).join(', ');
    fields.ordered.checked = item.ordered === true;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const whole = (input) => (input.value.trim() === '' ? null : Number(input.value));
    const body = {
      retrySchedule: numberList(fields.retrySchedule.value),
      maxInFlight: whole(fields.maxInFlight),
      // Empty takes the limit off (the API's null).
      rateLimitPerMinute: whole(fields.rateLimitPerMinute),
      permanentStatuses: numberList(fields.permanentStatuses.value),
      ordered: fields.ordered.checked,
    };
    try {
      const item = await whileBusy($('#save-settings'), () => api('PATCH', `/v1/exports/${seg(exportId)}`, body));
      fill(item);
      onSaved?.(item);
      const saved = $('#settings-saved');
      saved.textContent = 'Delivery settings saved';
      setTimeout(() => {
        saved.textContent = '';
      }, 4000);
    } catch (error) {
      if (error.status !== 401) showErrors(form, error);
    }
  });

  return { fill };
}
