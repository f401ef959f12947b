namespace Helix.Hosting;

/// <summary>
/// Secrets are referenced, never written in configuration: <c>env:NAME</c> or <c>file:/path</c>.
/// Messages name the reference, never the value.
/// </summary>
public static class SecretReference
{
    private const string Env = "env:";
    private const string File = "file:";

    /// <summary>
    /// Why the text is not a reference at all, or null. Only the form is checked here: the secret
    /// itself is read once, when the sources are built (<see cref="Resolve"/>).
    /// </summary>
    public static string? CheckForm(string reference) =>
        (reference.StartsWith(Env, StringComparison.Ordinal) && reference.Length > Env.Length)
        || (reference.StartsWith(File, StringComparison.Ordinal) && reference.Length > File.Length)
            ? null
            : NotAReference;

    private const string NotAReference = "a secret is referenced as env:VARIABLE or file:/path, never written in configuration";

    /// <summary>A reader of the secret at each use (a rotated Secret file applies at once), never a copy kept in memory.</summary>
    public static Func<string> Reader(string reference) => () => Resolve(reference);

    public static string Resolve(string reference)
    {
        string? value;
        if (reference.StartsWith(Env, StringComparison.Ordinal))
        {
            value = Environment.GetEnvironmentVariable(reference[Env.Length..]);
            if (string.IsNullOrEmpty(value))
            {
                throw new InvalidOperationException($"secret reference '{reference}': the environment variable is not set or empty");
            }
        }
        else if (reference.StartsWith(File, StringComparison.Ordinal))
        {
            var path = reference[File.Length..];
            try
            {
                // A mounted Secret file often ends in a newline that is not part of the secret.
                value = System.IO.File.ReadAllText(path).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"secret reference '{reference}': the file cannot be read ({e.GetType().Name})");
            }
            if (value.Length == 0)
            {
                throw new InvalidOperationException($"secret reference '{reference}': the file is empty");
            }
        }
        else
        {
            throw new InvalidOperationException(NotAReference);
        }
        return value;
    }
}
