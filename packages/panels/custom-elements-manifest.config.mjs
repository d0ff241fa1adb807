// custom-elements.json from the JSDoc of the panels (`npm run manifest`, part of `npm run build`).
export default {
  globs: ['src/**/*.ts'],
  // The type-only framework modules (react.ts, vue.ts) declare no elements of their own.
  exclude: ['src/bundle.ts', 'src/react.ts', 'src/vue.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // Events are documented with @fires; drop the nameless entries the analyzer infers from
      // `dispatchEvent(new X(…))` calls, which would otherwise duplicate them without a name.
      // Internal reactive state (`_connection`, …) is not an attribute anyone should set.
      name: 'logwire-public-api-only',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (Array.isArray(declaration.attributes))
              declaration.attributes = declaration.attributes.filter((attribute) => !attribute.name.startsWith('_'));
            if (Array.isArray(declaration.events))
              declaration.events = declaration.events.filter(
                (event) => typeof event.name === 'string' && event.name.startsWith('logwire-'),
              );
          }
        }
      },
    },
  ],
};
