/** Engine supervision: launching engine processes and tracking their run state. */
export { Supervisor, type SupervisorOptions, type VmLaunchSpec, type VmRunState, type VmStartResult, type VmStatus } from './supervisor.js';
export { EngineSession, EngineCommandError, defaultCommandTimeoutMs, describeExit } from './engine-session.js';
export { forkLauncher, engineEntryFile, tsxLoader, type EngineChannel, type EngineExit, type EngineLauncher } from './engine-launcher.js';
