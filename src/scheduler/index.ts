export { Scheduler, type SchedulerOptions, type Job, type JobResult } from './scheduler.js';
export { ByteBudget } from './budget.js';
export { decide, type BatchPolicy, type Decision } from './policy.js';
export { batchKey, mergeInputs, splitOutputs } from './batch.js';
