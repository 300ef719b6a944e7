/** A global cap on request bytes held by queued and executing work, shared by every model's scheduler. */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  take(bytes: number): boolean {
    // A single request larger than the whole budget still runs when nothing else is held, so limits on one
    // request stay the body-size limits' job.
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
