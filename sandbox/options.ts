/** What `ecs-autopilot sandbox` (and `npm start`) takes: the CLI's flags, as runSandbox reads them. */

export interface SandboxOptions {
  /** The automation file; default automation.yml. */
  configFile?: string | undefined;
  /** A scenario YAML file (see sandbox/scenarios/demo.yml). */
  scenarioFile?: string | undefined;
  /** Use an emulator that is already running (e.g. LocalStack) instead of starting moto; it has no ECS bridge. */
  endpoint?: string | undefined;
  /**
   * Start of the window: an instant, or ISO 8601 text as `--from` takes it (without an offset: read in
   * the scenario's zone, else the first job's). Default: the next midnight in that zone.
   */
  from?: Date | string | undefined;
  /** Length of the window in hours; default 24. */
  hours?: number | undefined;
  /** Progress lines for people (the CLI sends them to stderr); never part of the report. */
  progress?: ((line: string) => void) | undefined;
  /** Also pass the handlers' own log lines to `progress`. */
  verbose?: boolean | undefined;
}

/** A wrong option value (the CLI's "wrong usage"). */
export class SandboxOptionError extends Error {
  override name = 'SandboxOptionError';
}
