// Whether the process should stay up after its command returns (serve and demo run until a signal).
let keepAlive = false;

export function keepProcessAlive(): void {
  keepAlive = true;
}

export function shouldKeepAlive(): boolean {
  return keepAlive;
}
