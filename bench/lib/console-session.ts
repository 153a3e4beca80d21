/** Signs a reader token in to a collector's console; the session cookie (`name=value`) to send. */
export async function consoleSessionCookie(collectorUrl: string, readerToken: string): Promise<string> {
  const signIn = await fetch(`${collectorUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: readerToken }).toString(),
  });
  return (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
}
