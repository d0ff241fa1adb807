// Builds every package to ESM + .d.ts in packages/<name>/dist (dependencies stay external, lit
// included), then the self-contained browser module with client, panels and lit in one file.
// Packages build in dependency order: each later package resolves the earlier ones' dist/.
import { rmSync } from 'node:fs';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const packages = [
  { name: 'protocol', input: ['src/index.ts'] },
  { name: 'client', input: ['src/index.ts', 'src/node.ts'] },
  { name: 'server', input: ['src/index.ts', 'src/cli/main.ts'] },
  { name: 'panels', input: ['src/index.ts', 'src/define.ts'] },
  { name: 'redis', input: ['src/index.ts'] },
];

const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

/** @param {string} dir */
function clean(dir) {
  return { name: 'clean', buildStart: () => rmSync(dir, { recursive: true, force: true }) };
}

const libraries = packages.map(({ name, input }) => {
  const dir = `packages/${name}`;
  return {
    input: Object.fromEntries(input.map((file) => [file.replace(/^src\//, '').replace(/\.ts$/, ''), `${dir}/${file}`])),
    external: isBare,
    output: { dir: `${dir}/dist`, format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: `${dir}/src` },
    plugins: [
      clean(`${dir}/dist`),
      typescript({
        tsconfig: `${dir}/tsconfig.build.json`,
        outDir: `${dir}/dist`,
        declarationDir: `${dir}/dist`,
        outputToFilesystem: true,
        noEmitOnError: true,
      }),
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY') throw new Error(warning.message);
      warn(warning);
    },
  };
});

const browserBundle = {
  input: 'packages/panels/src/bundle.ts',
  output: { file: 'packages/panels/dist/logwire.bundle.js', format: 'es', sourcemap: true },
  plugins: [
    nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'] }),
    typescript({
      tsconfig: 'packages/panels/tsconfig.build.json',
      outDir: 'packages/panels/dist',
      declaration: false,
      declarationMap: false,
      noEmitOnError: true,
    }),
    terser({ format: { comments: false } }),
  ],
};

export default [...libraries, browserBundle];
