/**
 * A value built the first time it is asked for, then kept. Handlers' input schemas are built this way: a
 * zod schema costs a few hundred microseconds to construct, each function bundles the schemas of every input
 * it accepts, and one invocation needs the schema of one input, so building them at import would put all of
 * them on every cold start (see the README's "Benchmarks").
 */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
