/**
 * The API's errors are RFC 9457 problem+json: `detail` says what went wrong and `invalid-params`
 * names each field at fault. This turns one into what a form shows: a message per field (under the
 * input the API named) and one for the form as a whole.
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  "invalid-params"?: { name: string; reason: string }[];
}

export interface FormMessages {
  /** The message shown above the form, or null when every complaint is at a field. */
  form: string | null;
  /** Reasons by field name, as the API names them (`health.http`, `[2].event`, `ids`...). */
  fields: Record<string, string>;
}

/** An API answer that was not a success, with the problem it carried (or one made from its status). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
  }

  get status(): number {
    return this.problem.status;
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: "The token is not valid (any more). Sign in again.",
  403: "Your role may not do this.",
  404: "Not found.",
  409: "That clashes with the current state.",
  413: "Too large.",
  429: "Too many requests; try again shortly.",
  503: "The service behind this is not running.",
  504: "The service did not answer in time; the command goes on.",
};

/** The problem of an answer body (whatever it held) and status. */
export function toProblem(status: number, body: unknown): Problem {
  if (body && typeof body === "object" && "status" in body) {
    return body as Problem;
  }
  return { status, detail: STATUS_TEXT[status] ?? `The server answered ${status}.` };
}

/**
 * A field's message under the input of that name: the API's names are kept, and a name that is a
 * form's field (in `known`) gets its reason; every other complaint goes to the form's message.
 */
export function toFormMessages(problem: Problem, known: readonly string[] = []): FormMessages {
  const fields: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const param of problem["invalid-params"] ?? []) {
    if (known.includes(param.name)) {
      fields[param.name] = fields[param.name] ? `${fields[param.name]}; ${param.reason}` : param.reason;
    } else {
      elsewhere.push(`${param.name}: ${param.reason}`);
    }
  }
  const detail = problem.detail ?? problem.title ?? STATUS_TEXT[problem.status] ?? `Error ${problem.status}`;
  if (elsewhere.length > 0) {
    return { form: `${detail} (${elsewhere.join("; ")})`, fields };
  }
  return { form: Object.keys(fields).length > 0 ? null : detail, fields };
}

/** One line for a notice: the detail, or what the status means. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    return toFormMessages(error.problem).form ?? error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
