// Runs the `docker` CLI. We drive the engine through its CLI rather than the
// Engine API over /var/run/docker.sock (see the top comment of docker.ts for
// the full reasoning): the CLI already honours DOCKER_HOST, contexts and TLS
// settings, and `docker run -i` attaches stdio, which `fetch` cannot do because
// the Engine API's attach endpoint hijacks the HTTP connection.

/** How to reach the engine. */
export interface DockerCliOptions {
  /** The `docker` binary. Default `"docker"` (looked up on PATH). */
  dockerPath?: string;
  /** Engine address passed as `DOCKER_HOST`, e.g. `unix:///run/user/1000/docker.sock`. */
  dockerHost?: string;
}

/** The outcome of one CLI call. */
export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

const decoder = new TextDecoder();

/** Builds the Deno.Command for `docker <args>` (the caller chooses stdio). */
export function dockerCommand(
  args: string[],
  options: DockerCliOptions,
  stdio: Pick<Deno.CommandOptions, "stdin" | "stdout" | "stderr" | "signal">,
  extraEnv: Readonly<Record<string, string>> = {},
): Deno.Command {
  // Values for `-e NAME` flags travel in the CLI's environment, never in its
  // argv, where any local user could read them in the process list.
  const env: Record<string, string> = { ...extraEnv };
  if (options.dockerHost) env.DOCKER_HOST = options.dockerHost;
  return new Deno.Command(options.dockerPath ?? "docker", { args, env, ...stdio });
}

/** Runs `docker <args>` to completion, optionally piping `input` to its stdin. */
export async function docker(
  args: string[],
  options: DockerCliOptions,
  input?: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<DockerResult> {
  let child: Deno.ChildProcess;
  try {
    child = dockerCommand(args, options, {
      stdin: input ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot run the Docker CLI "${
          options.dockerPath ?? "docker"
        }": it is not installed or not on PATH (install docker.io or pass dockerPath)`,
        { cause: error },
      );
    }
    throw error;
  }
  const feeding = input
    ? input.pipeTo(child.stdin).catch(() => {/* the CLI exited early; its stderr says why */})
    : Promise.resolve();
  const [output] = await Promise.all([child.output(), feeding]);
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Like {@linkcode docker} but throws with the CLI's own message when it fails. */
export async function dockerOk(
  args: string[],
  options: DockerCliOptions,
  input?: ReadableStream<Uint8Array>,
): Promise<string> {
  const result = await docker(args, options, input);
  if (result.code !== 0) {
    throw new Error(
      `Docker command "docker ${args[0]}" failed with exit code ${result.code}: ${
        result.stderr.trim().slice(0, 2000)
      }`,
    );
  }
  return result.stdout;
}
