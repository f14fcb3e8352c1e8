// Errors the services throw on purpose; the HTTP layer renders them as
// RFC 9457 problem documents (http/error-handler.ts).

export interface FieldError { path: string, message: string }

/** An error thrown on purpose: rendered as problem+json with its own status and type. */
export class AppError extends Error {
  readonly statusCode: number
  readonly slug: string
  readonly errors: FieldError[] | undefined
  /** members added to the problem document (e.g. the status that refused an enrolment) */
  readonly extensions: Record<string, unknown>

  constructor (statusCode: number, slug: string, detail: string, options: { errors?: FieldError[], extensions?: Record<string, unknown> } = {}) {
    super(detail)
    this.statusCode = statusCode
    this.slug = slug
    this.errors = options.errors
    this.extensions = options.extensions ?? {}
  }
}

export const notFound = (what: string) => new AppError(404, 'not-found', `${what} not found`)
export const unprocessable = (detail: string, errors: FieldError[]) => new AppError(422, 'validation', detail, { errors })
export const conflict = (slug: string, detail: string, extensions?: Record<string, unknown>) =>
  new AppError(409, slug, detail, extensions === undefined ? {} : { extensions })

/** 412 unless the client's If-Match names the current version. */
export function assertCurrentVersion (expected: number, current: number): void {
  if (expected !== current) {
    throw new AppError(412, 'precondition-failed', `If-Match names version ${expected} but the current version is ${current}; fetch it again and reapply the change`, {
      extensions: { currentVersion: current }
    })
  }
}
