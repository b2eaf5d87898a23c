export async function superviseReload(_o: {
  argv: string[];
  file: string;
  transport: string;
}): Promise<void> {}
