export async function installCommand(_argv: string[]): Promise<void> {}
