import { html } from '../../http/views/html.ts';

/**
 * The export's delivery settings (docs/api/deliveries.md): retry schedule, how many at once, rate
 * limit, ordering and the answers that fail at once. Inputs are named after the API's fields, so a
 * 400's `errors[]` lands beside the right one (forms.js showErrors).
 */
export function settingsSection() {
  return html`<section class="card jump-target settings-card" id="settings" aria-labelledby="settings-title">
  <h2 id="settings-title">Delivery settings</h2>
  <form id="settings-form" class="form settings-form" novalidate>
    <div class="field wide-field">
      <label for="retrySchedule">Retry schedule (seconds)</label>
      <input id="retrySchedule" name="retrySchedule" inputmode="numeric" autocomplete="off" spellcheck="false" aria-describedby="retrySchedule-hint">
      <p class="hint" id="retrySchedule-hint">Waits between attempts, separated by commas: the first attempt is immediate, then one wait per entry (1 to 20 entries, each 0 to 86,400). A longer <code>Retry-After</code> from the CRM wins.</p>
      <p class="field-error" id="retrySchedule-error" hidden></p>
    </div>
    <div class="field">
      <label for="maxInFlight">Sent at once (max in flight)</label>
      <input id="maxInFlight" name="maxInFlight" type="number" min="1" max="100" step="1" inputmode="numeric" aria-describedby="maxInFlight-hint">
      <p class="hint" id="maxInFlight-hint">1 to 100, across every worker; 1 when sent in order.</p>
      <p class="field-error" id="maxInFlight-error" hidden></p>
    </div>
    <div class="field">
      <label for="rateLimitPerMinute">Rate limit per minute</label>
      <input id="rateLimitPerMinute" name="rateLimitPerMinute" type="number" min="1" max="100000" step="1" inputmode="numeric" placeholder="No limit" aria-describedby="rateLimitPerMinute-hint">
      <p class="hint" id="rateLimitPerMinute-hint">1 to 100,000 pushes a minute; empty for no limit.</p>
      <p class="field-error" id="rateLimitPerMinute-error" hidden></p>
    </div>
    <div class="field wide-field">
      <label for="permanentStatuses">Permanent failure codes</label>
      <input id="permanentStatuses" name="permanentStatuses" inputmode="numeric" autocomplete="off" spellcheck="false" placeholder="None: every answer is retried" aria-describedby="permanentStatuses-hint">
      <p class="hint" id="permanentStatuses-hint">HTTP codes from 400 to 499 that fail at once instead of being retried, separated by commas (not 401, 408, 410 or 429).</p>
      <p class="field-error" id="permanentStatuses-error" hidden></p>
    </div>
    <div class="field wide-field">
      <div class="field checkbox">
        <input id="ordered" name="ordered" type="checkbox" aria-describedby="ordered-hint">
        <label for="ordered">Send in order, one at a time</label>
      </div>
      <p class="hint" id="ordered-hint">Engagements are pushed in the order they came in; a failing one holds the later ones until it is delivered or dead.</p>
      <p class="field-error" id="ordered-error" hidden></p>
    </div>
    <p class="form-error wide-field" id="settings-error" role="alert" hidden></p>
    <div class="actions wide-field">
      <button class="button primary" type="submit" id="save-settings" data-requires="exports:write">Save delivery settings</button>
      <span class="saved" id="settings-saved" role="status"></span>
    </div>
  </form>
</section>`;
}
