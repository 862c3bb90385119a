/**
 * Signals that outlive their creators. Node 20's AbortSignal.any()/AbortSignal.timeout() composites can be garbage
 * collected before they fire (nodejs/node#48951 and friends), which silently turns a --timeout into "wait forever";
 * a plain controller held by the caller and a ref'd-until-cleared timer do not have that problem.
 */
export interface Deadline {
  signal: AbortSignal
  /** Stops the timer; call when the work is done so it does not keep the process alive. */
  clear(): void
  /** Restarts the timer: the signal fires `timeoutMs` from now instead (no effect once it has fired). */
  reset(timeoutMs: number): void
}

export function deadline(
  timeoutMs: number | undefined,
  parents: Array<AbortSignal | undefined> = [],
  reason = 'timeout',
): Deadline {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const start = (ms: number) => {
    timer = setTimeout(() => controller.abort(new Error(reason)), ms)
    timer.unref()
  }
  if (timeoutMs !== undefined) start(timeoutMs)
  const detach: Array<() => void> = []
  for (const parent of parents) {
    if (!parent) continue
    if (parent.aborted) {
      controller.abort(parent.reason)
      continue
    }
    const onAbort = () => controller.abort(parent.reason)
    parent.addEventListener('abort', onAbort, {once: true})
    detach.push(() => parent.removeEventListener('abort', onAbort))
  }
  return {
    clear() {
      if (timer) clearTimeout(timer)
      for (const d of detach) d()
    },
    reset(ms) {
      if (controller.signal.aborted) return
      if (timer) clearTimeout(timer)
      start(ms)
    },
    signal: controller.signal,
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it fires (no timer left behind). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason ?? new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

/**
 * Settles with `work`, unless `signal` fires first: then `onAbort` decides how to reject (with which error, now or
 * a tick later) and may clean up. Work that ignores signals cannot keep a cancelled command waiting.
 */
export function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  onAbort: (reject: (reason: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => onAbort(reject)
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, {once: true})
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', abort)
        reject(error)
      },
    )
  })
}
