/**
 * Signals that outlive their creators. Node 20's AbortSignal.any()/AbortSignal.timeout() composites can be garbage
 * collected before they fire (nodejs/node#48951 and friends), which silently turns a --timeout into "wait forever";
 * a plain controller held by the caller and a ref'd-until-cleared timer do not have that problem.
 */
export interface Deadline {
  signal: AbortSignal
  /** Stops the timer; call when the work is done so it does not keep the process alive. */
  clear(): void
}

export function deadline(timeoutMs: number | undefined, parents: Array<AbortSignal | undefined> = [], reason = 'timeout'): Deadline {
  const controller = new AbortController()
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new Error(reason)), timeoutMs)
  timer?.unref()
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
    signal: controller.signal,
  }
}
