import { describe, expect, it } from 'vitest';
import { jenkinsConfigSchema } from '../../../src/config/jenkins-schema.ts';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { fargateProblems } from '../../../src/domain/jenkins/fargate-task-size.ts';
import { catalogConfig, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

// amazon-ecs-plugin 4d48ab37 ECSService: a Fargate task's memory is ECSTaskTemplate.getMemoryConstraint()
// (memoryReservation when set, else memory), its cpu the template's cpu; the container keeps `memory`.

const fargateCloud = {
  kind: 'ecs',
  name: 'fargate-agents',
  cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/agents',
  regionName: 'eu-west-1',
  subnets: ['subnet-0a1b2c3d'],
  executionRole: 'arn:aws:iam::123456789012:role/exec',
};

function config(defaults: Record<string, unknown> = {}) {
  return { ...catalogConfig(), jenkins: jenkinsConfigSchema.parse({ controller: 'main', clouds: [fargateCloud], defaults }) };
}

describe('checkJenkinsTemplates (DY030) on the pull request path', () => {
  it('fails the change when an image sets container memory above the Fargate task memory', () => {
    const folders = [folder('base', fromUpstream('debian')), folder('big', fromUpstream('debian'), 'label: big\njenkins:\n  memory: 4096\n')];
    const analysis = analyzeCatalog(folders, [{ path: 'images/big/image.yml', status: 'modified' }], config());
    const findings = analysis.policy.findings.filter((finding) => finding.rule === 'DY030');

    expect(findings).toEqual([
      {
        file: 'images/big/image.yml',
        line: 2,
        severity: 'error',
        source: 'dockyard',
        rule: 'DY030',
        image: 'big',
        message:
          "`big` cannot run on the Fargate cloud `fargate-agents`: memory 4096 MiB is above the task's memory 2048 MiB (the ECS plugin makes memoryReservation the task's memory on Fargate), which AWS refuses: set memory to at most 2048, or leave it out. Change `memory` under `jenkins:` in images/big/image.yml.",
      },
    ]);
  });

  it('passes valid sizes, and judges only affected images', () => {
    const folders = [folder('ok', fromUpstream('debian'), 'jenkins:\n  cpu: 2048\n  memoryReservation: 4096\n  memory: 4096\n'), folder('big', fromUpstream('debian'), 'jenkins:\n  memory: 4096\n')];
    const analysis = analyzeCatalog(folders, [{ path: 'images/ok/image.yml', status: 'modified' }], config());
    expect(analysis.policy.findings.filter((finding) => finding.rule === 'DY030')).toEqual([]);
  });

  it('points at the defaults when the image sets nothing', () => {
    const analysis = analyzeCatalog([folder('base', fromUpstream('debian'))], 'all', config({ cpu: 1024, memoryReservation: 1024 }));
    const [finding] = analysis.policy.findings.filter((candidate) => candidate.rule === 'DY030');
    expect([finding?.file, finding?.line]).toEqual(['.github/dockyard.yml', 1]);
    expect(finding?.message).toContain('Fargate has no task size with cpu 1024 and memory 1024 MiB');
  });
});

describe('fargateProblems', () => {
  it('knows the Fargate table: 256 → 512/1024/2048, 2048 → 4096..16384 by 1024, 8192 → 16384..61440 by 4096', () => {
    expect(fargateProblems({ cpu: 256, memoryReservation: 1024 })).toEqual([]);
    expect(fargateProblems({ cpu: 256, memoryReservation: 1536 })).toHaveLength(1);
    expect(fargateProblems({ cpu: 2048, memoryReservation: 16384 })).toEqual([]);
    expect(fargateProblems({ cpu: 2048, memoryReservation: 17408 })).toHaveLength(1);
    expect(fargateProblems({ cpu: 8192, memoryReservation: 20480 })).toEqual([]);
    expect(fargateProblems({ cpu: 8192, memoryReservation: 18432 })).toHaveLength(1);
    expect(fargateProblems({ cpu: 1000, memoryReservation: 2048 }).map((problem) => problem.field)).toEqual(['cpu']);
  });

  it('takes memory as the task memory when no reservation is set', () => {
    expect(fargateProblems({ cpu: 1024, memory: 3072 })).toEqual([]);
  });
});
