/** What a driver's check tells `facegate doctor`: whether it works, what was seen, and what to do if not. */
export interface DriverCheck {
  ok: boolean;
  detail: string;
  /** What the installer should do; only when not ok. */
  fix?: string;
}
