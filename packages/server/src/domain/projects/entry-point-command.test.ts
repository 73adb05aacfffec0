import { describe, expect, it } from 'vitest';
import { entryPointCommand, loggedParameters, parameterValues, shellWord } from './entry-point-command.js';
import { entryPointFor, parseMlProject, pythonFloat } from './mlproject.js';
import type { EntryPoint } from './mlproject.js';

const noFiles = { exists: () => false };

const MLPROJECT = `name: tutorial
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 1.0}
      l1_ratio: {type: float, default: 0.1}
      n: {type: int, default: 10}
      tiny: {type: float, default: 0.00001}
      flag: {type: string, default: yes}
      text: {type: string, default: 1e3}
      data: path
    command: "python train.py {alpha} {l1_ratio} {n} {tiny} {flag} {text} {data}"
  braces:
    parameters: {x: string}
    command: "echo {{literal}} {x} \${{HOME}}"
`;

describe('parseMlProject', () => {
  const project = parseMlProject(MLPROJECT, noFiles);

  it("reads defaults as Python's str() of PyYAML's value, which is what MLflow substitutes", () => {
    expect(Object.fromEntries(project.entryPoints.main!.parameters.map((p) => [p.name, p.default]))).toEqual({
      alpha: '1.0',
      l1_ratio: '0.1',
      n: '10',
      tiny: '1e-05',
      flag: 'True',
      // PyYAML reads a float only with a dot: 1e3 stays text.
      text: '1e3',
      data: undefined,
    });
    expect(project.entryPoints.main!.parameters.find((p) => p.name === 'data')!.type).toBe('path');
  });

  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [123456.5, '123456.5'],
    [-0, '-0.0'],
    [Infinity, 'inf'],
  ])('pythonFloat(%s) is %s', (x, s) => expect(pythonFloat(x)).toBe(s));

  it('picks the environment as MLflow does', () => {
    expect(parseMlProject('name: x', { exists: (f) => f === 'python_env.yaml' }).environment).toEqual({ kind: 'python_env', file: 'python_env.yaml' });
    expect(parseMlProject('name: x', { exists: (f) => f === 'conda.yaml' }).environment).toEqual({ kind: 'conda_env', file: 'conda.yaml' });
    expect(parseMlProject(undefined, noFiles).environment).toEqual({ kind: 'python_env' });
    expect(() => parseMlProject('python_env: env.yaml', noFiles)).toThrow(/names python_env file env\.yaml, and the project has no such file/);
    expect(() => parseMlProject('python_env: a.yaml\nconda_env: b.yaml', { exists: () => true })).toThrow(/declares python_env and conda_env/);
    expect(() => parseMlProject('docker_env: {}', noFiles)).toThrow(/docker_env has no image/);
  });

  it('runs a .py or .sh file of the project as an entry point, and names the others when one is unknown', () => {
    expect(entryPointFor(project, 'etl/load data.py', { quote: shellWord }).command).toBe("python 'etl/load data.py'");
    expect(entryPointFor(project, 'run.sh', { shell: '/bin/zsh', quote: shellWord }).command).toBe('/bin/zsh run.sh');
    expect(() => entryPointFor(project, 'train', { quote: shellWord })).toThrow(/no entry point 'train' \(entry points: main, braces\)/);
  });
});

describe('entry point command', () => {
  const project = parseMlProject(MLPROJECT, noFiles);
  const main = project.entryPoints.main!;
  const given = (o: Record<string, string>) => new Map(Object.entries(o));

  it('substitutes each value as one shell word and appends undeclared parameters as --name value', () => {
    const values = parameterValues(main, given({ data: '/d/x y.csv', alpha: '0.5', batch: "it's" }));
    expect(entryPointCommand(main, values)).toBe(`python train.py 0.5 0.1 10 1e-05 True 1e3 '/d/x y.csv' --batch 'it'\\''s'`);
    expect(loggedParameters(values)).toEqual({ alpha: '0.5', l1_ratio: '0.1', n: '10', tiny: '1e-05', flag: 'True', text: '1e3', data: `'/d/x y.csv'`, batch: `'it'\\''s'` });
  });

  it('reads {{ and }} as braces, as str.format does', () => {
    expect(entryPointCommand(project.entryPoints.braces!, parameterValues(project.entryPoints.braces!, given({ x: 'a b' })))).toBe("echo {literal} 'a b' ${HOME}");
  });

  it.each([
    [{ data: 'd', alpha: 'x' }, /-P alpha=x is not a number, and alpha is a float/],
    [{ data: 'd', n: '1.5' }, /-P n=1\.5 is not a whole number/],
    [{}, /needs a value for 'data', which has no default/],
    [{ data: 'd', 'a b': '1' }, /passed as --a b, so its name must be/],
  ])('refuses %j', (values, message) => {
    expect(() => parameterValues(main, given(values as Record<string, string>))).toThrow(message);
  });

  it.each(['1', '-2.5', '1e-3', '.5', '1_000.0', 'nan', '-inf', ' 3 '])('takes %j as a float', (v) => {
    expect(() => parameterValues(main, given({ data: 'd', alpha: v }))).not.toThrow();
  });

  const ep = (command: string): EntryPoint => ({ name: 'e', parameters: [{ name: 'v', type: 'string' }], command });

  it.each([
    ['echo "{v}"', 'inside double quotes'],
    ["echo '{v}'", 'inside single quotes'],
    ['echo $(( {v} ))', 'inside an arithmetic expression'],
    ['echo x # {v}', 'in a shell comment'],
  ])('refuses %s with a value that needs quotes, and accepts it with a safe word', (command, where) => {
    expect(() => entryPointCommand(ep(command), parameterValues(ep(command), given({ v: '$(id)' })))).toThrow(`{v} is ${where}`);
    expect(() => entryPointCommand(ep(command), parameterValues(ep(command), given({ v: 'safe-1.0' })))).not.toThrow();
  });

  it.each([
    ['echo {w}', /uses \{w\}, which is not a parameter of it \(parameters: v\)/],
    ['echo }', /single '}'/],
    ['echo {v', /never closed/],
  ])('refuses the template %s as str.format would', (command, message) => {
    expect(() => entryPointCommand(ep(command), parameterValues(ep(command), given({ v: 'x' })))).toThrow(message);
  });
});
