// The Settings index: links only; the shell wires sign-out.
import { initShell } from './forms.js';

initShell();
