/** Why BuildKit refuses an instruction, in its own words. */
export class BuildkitRefusal extends Error {}

export const refuse = (message: string): never => {
  throw new BuildkitRefusal(message);
};

export function goQuote(text: string): string {
  return JSON.stringify(text);
}
