// Runs axe-core (loaded as a classic script, as it ships) against an element.
const AXE = '/node_modules/axe-core/axe.min.js';

interface AxeResults {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[];
}

declare global {
  interface Window {
    axe?: { run(context: Element, options?: object): Promise<AxeResults> };
  }
}

export async function axeViolations(element: Element): Promise<string[]> {
  if (window.axe === undefined) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = AXE;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('axe-core did not load'));
      document.head.append(script);
    });
  }
  const results = await window.axe!.run(element, { resultTypes: ['violations'] });
  return results.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.help} ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
  );
}
