namespace Helix.Hosting;

/// <summary>Text a service can store and pass on: what a request may hold that PostgreSQL, headers or UTF-8 cannot.</summary>
public static class UnicodeText
{
    /// <summary>Why <paramref name="text"/> cannot be stored as text (a NUL, an unpaired UTF-16 surrogate), or null.</summary>
    public static string? StorageProblem(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return "holds a NUL character";
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return "is not Unicode text (an unpaired surrogate)";
            }
        }
        return null;
    }
}
