/** The API's own dotenv parser and writer, with its refusals as problems by line number. */
import { SecretmError } from '../../../shared/errors.ts';
import { formatDotenv, parseDotenv } from '../../../shared/secrets/dotenv.ts';

export interface ParsedDotenv {
  values?: Record<string, string>;
  /** Problems by 1-based line (0: the text as a whole). */
  problems: { line: number; message: string }[];
}

export function parse(text: string): ParsedDotenv {
  if (text.trim() === '') return { problems: [] };
  try {
    return { values: parseDotenv(text), problems: [] };
  } catch (error) {
    if (!(error instanceof SecretmError)) throw error;
    const details = error.details?.length ? error.details : [{ path: 'dotenv', message: error.message }];
    return {
      problems: details.map((detail) => ({
        line: Number(/^dotenv:(\d+)$/.exec(detail.path)?.[1] ?? 0),
        message: detail.message,
      })),
    };
  }
}

/** The value as dotenv text, or empty when dotenv cannot hold it exactly. */
export function format(data: Record<string, string>): string {
  try {
    return formatDotenv(data);
  } catch {
    return '';
  }
}
