/** A thin client for the control API; problem+json errors become `ApiError` with the stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    /** The bearer access token (`PLUMBLINE_TOKEN`); requests without one get 401 but health. */
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          'content-type': 'application/json',
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(
        0,
        'unavailable',
        `cannot reach the Plumbline API at ${this.baseUrl} (${error instanceof Error ? error.message : String(error)}); is it running? (PLUMBLINE_API_URL)`,
        {},
      );
    }
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      const code = typeof parsed.code === 'string' ? parsed.code : 'error';
      const detail = typeof parsed.detail === 'string' ? parsed.detail : response.statusText;
      throw new ApiError(response.status, code, detail, parsed);
    }
    return parsed as T;
  }
}

/** The client every command uses: `PLUMBLINE_API_URL` (default local) and `PLUMBLINE_TOKEN`. */
export function apiClient(env: Readonly<Record<string, string | undefined>>): ApiClient {
  return new ApiClient(env.PLUMBLINE_API_URL ?? 'http://127.0.0.1:8420', env.PLUMBLINE_TOKEN);
}
