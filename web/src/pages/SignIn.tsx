/**
 * Sign-in with a token (the admin, operator or viewer token, a named token), exchanged for a session;
 * while a first-start link's code is being exchanged it says so, and when the code was refused it says
 * why above the form.
 */
import { useEffect, useState } from "preact/hooks";
import { linkState, onLinkChange, signIn } from "../auth";
import { ApiError, toFormMessages, type FormMessages } from "../problem";

export function SignIn() {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [messages, setMessages] = useState<FormMessages>({ form: null, fields: {} });
  const [link, setLink] = useState(linkState());
  useEffect(() => onLinkChange(setLink), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await signIn(token);
    } catch (error) {
      setMessages(
        error instanceof ApiError
          ? toFormMessages(error.problem, ["token"])
          : { form: `Switchboard cannot be reached: ${(error as Error).message}`, fields: {} },
      );
      setBusy(false);
    }
  };

  const fieldError = messages.fields.token;
  return (
    <main id="main" class="signin">
      <form onSubmit={submit} aria-describedby="signin-help" noValidate>
        <h1>Sign in to Switchboard</h1>
        <p id="signin-help">
          Open the sign-in link Switchboard prints when it starts, or paste the admin token (<code>data/admin.token</code>, or <code>ADMIN_TOKEN</code>), the operator or viewer
          token, or a named API token. It is exchanged for a sign-in that lasts 15 minutes and renews itself while the
          page is open; the token itself is not kept.
        </p>
        {link.state === "signing-in" && (
          <p class="link-status" role="status">
            Signing in with the link…
          </p>
        )}
        {link.state === "failed" && !messages.form && (
          <p class="error link-error" role="alert">
            {link.message}
          </p>
        )}
        {messages.form && (
          <p class="error" role="alert">
            {messages.form}
          </p>
        )}
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? "token-error" : undefined}
          required
          autoFocus
        />
        {fieldError && (
          <p id="token-error" class="field-error">
            {fieldError}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
