export async function devCommand(_argv: string[]): Promise<void> {}
