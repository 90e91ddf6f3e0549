/**
 * A function's production runtime (clients, the deployed automation, settings), built once per process.
 * Inside Lambda it is built when the module loads, so a broken deployment fails the cold start loudly
 * instead of the first event; tests and the CLI import the modules without building anything.
 */
export function coldStartRuntime<T>(build: () => T): () => T {
  let runtime: T | undefined;
  const get = (): T => {
    runtime ??= build();
    return runtime;
  };
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) get();
  return get;
}
