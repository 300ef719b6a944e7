export { startServer, EXTENSIONS, type RunningServer, type StartOptions, type ShutdownOptions } from './server.js';
