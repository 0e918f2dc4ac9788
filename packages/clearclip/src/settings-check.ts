/**
 * Segmentation settings checked up front, so that a bad value is refused before any model loads instead of
 * being guessed at (short side 0 -> default), found late (stride 0 after loading) or silently wrong (crop < stride
 * leaves bands no window covers). Errors name the option as the library spells it; the CLI maps it to its flag.
 */
import { PRESETS, type LastBlockForm, type PresetName } from './last-block.js';

export class SettingsError extends Error {
  constructor(readonly option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'SettingsError';
  }
}

export interface CheckedSettings {
  scale?: [number, number];
  crop?: number;
  stride?: number;
  logitScale?: number;
  probThd?: number;
  form?: PresetName | LastBlockForm;
  windowBatch?: number;
}

/** A preset name, checked against PRESETS' own keys (`in` would accept `__proto__`, `toString`, ...). */
export function presetForm(name: string): LastBlockForm {
  if (!Object.hasOwn(PRESETS, name)) throw new SettingsError('form', `unknown preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return PRESETS[name as PresetName];
}

function int(option: string, v: number | undefined, min: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min) throw new SettingsError(option, `expected an integer >= ${min}, got ${v}`);
}

/** Throws a SettingsError for the first setting that is out of range; `undefined` means "the default". */
export function checkSegmentSettings(o: CheckedSettings): void {
  if (o.scale !== undefined) {
    if (!Array.isArray(o.scale) || o.scale.length !== 2) throw new SettingsError('scale', `expected [long, short], got ${JSON.stringify(o.scale)}`);
    int('scale', o.scale[0], 1);
    int('scale', o.scale[1], 1);
  }
  int('crop', o.crop, 0);
  int('stride', o.stride, 1);
  int('windowBatch', o.windowBatch, 0);
  if (o.crop !== undefined && o.stride !== undefined && o.crop > 0 && o.crop < o.stride) {
    throw new SettingsError('crop', `${o.crop} is smaller than stride ${o.stride}: bands between windows would be covered by none`);
  }
  if (o.logitScale !== undefined && !(Number.isFinite(o.logitScale) && o.logitScale > 0)) throw new SettingsError('logitScale', `expected a number > 0, got ${o.logitScale}`);
  if (o.probThd !== undefined && !(o.probThd >= 0 && o.probThd <= 1)) throw new SettingsError('probThd', `expected a probability in [0, 1], got ${o.probThd}`);
  if (typeof o.form === 'string') presetForm(o.form);
  else if (o.form !== undefined && (typeof o.form !== 'object' || o.form === null)) throw new SettingsError('form', `expected a preset name or {attention, residual, ffn}`);
}
