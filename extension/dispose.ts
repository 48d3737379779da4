/**
 * Ownership of resources: a {@link Disposable} base class whose `_register()` takes ownership of
 * listeners, timers, panels and processes, and ends them all, newest first, on `dispose()`.
 * Pure (no `vscode` import): `vscode.Disposable` values fit {@link IDisposable} as they are.
 */

/** Anything that can be ended. */
export interface IDisposable {
  dispose(): unknown;
}

/** Dispose every item, newest first; one failing does not stop the others. Returns the errors. */
export function disposeAll(items: IDisposable[]): unknown[] {
  const errors: unknown[] = [];
  while (items.length) {
    const item = items.pop()!;
    try {
      item.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}

/** Base class: owns what it registers and ends it once, on dispose. */
export abstract class Disposable implements IDisposable {
  private readonly _owned: IDisposable[] = [];
  private _isDisposed = false;

  /** True once dispose() has run. */
  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Take ownership of `value` (disposed at once if this is already disposed). */
  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) value.dispose();
    else this._owned.push(value);
    return value;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._owned);
  }
}

/** A disposable from a function (e.g. clearInterval). */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}
