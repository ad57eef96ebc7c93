/**
 * Task sizes Fargate accepts, task CPU units → task memory in MiB (from, to, step): the table of
 * RegisterTaskDefinition's `memory` (docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html).
 * Anything else fails with "ClientException: No Fargate configuration exists for given values".
 */
const fargateSizes: ReadonlyMap<number, { from: number; to: number; step: number; only?: readonly number[] }> = new Map([
  [256, { from: 512, to: 2048, step: 512, only: [512, 1024, 2048] }],
  [512, { from: 1024, to: 4096, step: 1024 }],
  [1024, { from: 2048, to: 8192, step: 1024 }],
  [2048, { from: 4096, to: 16384, step: 1024 }],
  [4096, { from: 8192, to: 30720, step: 1024 }],
  [8192, { from: 16384, to: 61440, step: 4096 }],
  [16384, { from: 32768, to: 122880, step: 8192 }],
]);

/** One reason AWS would refuse the task definition the ECS plugin registers for a Fargate template. */
export interface FargateProblem {
  /** The template setting to change: `cpu`, `memory` or `memoryReservation`. */
  field: 'cpu' | 'memory' | 'memoryReservation';
  message: string;
}

/**
 * What AWS would refuse in the task definition amazon-ecs-plugin registers for a Fargate template. The
 * plugin (ECSService.registerTemplate at 4d48ab37, amazon-ecs-1.49) sets the task's cpu to the template's
 * `cpu` and the task's memory to ECSTaskTemplate.getMemoryConstraint(): `memoryReservation` when it is set,
 * else `memory`; the container keeps `memory` as its hard limit, which may not exceed the task's memory.
 * JCasC accepts all of it (its check skips form validation), so this is the only place it is caught.
 */
export function fargateProblems(settings: { cpu?: number | undefined; memory?: number | undefined; memoryReservation?: number | undefined }): FargateProblem[] {
  const cpu = settings.cpu;
  const taskMemory = settings.memoryReservation ?? settings.memory;
  const taskMemoryField = settings.memoryReservation === undefined ? 'memory' : 'memoryReservation';
  const sizes = cpu === undefined ? undefined : fargateSizes.get(cpu);
  if (sizes === undefined) {
    return [{ field: 'cpu', message: `Fargate has no task size with cpu ${cpu ?? '(unset)'}: use one of ${[...fargateSizes.keys()].join(', ')} (1024 = 1 vCPU)` }];
  }
  const problems: FargateProblem[] = [];
  if (taskMemory === undefined) {
    problems.push({ field: 'memoryReservation', message: 'Fargate needs a task memory: set memoryReservation (or memory)' });
  } else if (sizes.only ? !sizes.only.includes(taskMemory) : taskMemory < sizes.from || taskMemory > sizes.to || (taskMemory - sizes.from) % sizes.step !== 0) {
    const allowed = sizes.only ? sizes.only.join(', ') : `${sizes.from}–${sizes.to} in steps of ${sizes.step}`;
    problems.push({
      field: taskMemoryField,
      message: `Fargate has no task size with cpu ${cpu} and memory ${taskMemory} MiB (the ECS plugin makes ${taskMemoryField} the task's memory): with cpu ${cpu} use ${allowed} MiB`,
    });
  }
  if (settings.memory !== undefined && taskMemory !== undefined && settings.memory > taskMemory) {
    problems.push({
      field: 'memory',
      message: `memory ${settings.memory} MiB is above the task's memory ${taskMemory} MiB (the ECS plugin makes memoryReservation the task's memory on Fargate), which AWS refuses: set memory to at most ${taskMemory}, or leave it out`,
    });
  }
  return problems;
}
