using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Helix.Webhooks.Schemes;

/// <summary>The pieces every scheme shares: HMAC over concatenated parts, constant-time matching, timestamps.</summary>
internal static class Signing
{
    public const int Sha256Length = 32;

    /// <summary>HMAC-SHA256 of <paramref name="prefix"/> followed by <paramref name="body"/>, without copying the body.</summary>
    public static void Hmac(byte[] key, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }

    /// <summary>True when any candidate equals the HMAC under any key; every comparison is constant-time.</summary>
    public static bool AnyMatches(IReadOnlyList<byte[]> keys, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> candidates)
    {
        Span<byte> expected = stackalloc byte[Sha256Length];
        var matched = false;
        foreach (var key in keys)
        {
            Hmac(key, prefix, body, expected);
            foreach (var candidate in candidates)
            {
                // No early exit: the time taken does not tell which key or candidate matched.
                matched |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }
        return matched;
    }

    public static byte[]? FromHex(ReadOnlySpan<char> hex)
    {
        if (hex.Length != Sha256Length * 2)
        {
            return null;
        }
        var bytes = new byte[Sha256Length];
        return Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == Sha256Length ? bytes : null;
    }

    public static byte[]? FromBase64(ReadOnlySpan<char> base64)
    {
        var bytes = new byte[Sha256Length + 3];
        return Convert.TryFromBase64Chars(base64, bytes, out var written) && written == Sha256Length ? bytes[..Sha256Length] : null;
    }

    public static string? Header(IHeaderDictionary headers, string name)
    {
        var value = headers[name];
        return value.Count == 1 && !string.IsNullOrWhiteSpace(value[0]) ? value[0]!.Trim() : null;
    }

    /// <summary>Unix seconds within <paramref name="tolerance"/> of now, either direction.</summary>
    public static Verification CheckTimestamp(string timestamp, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Verification.Invalid("timestamp is not a number of Unix seconds");
        }
        var skew = Math.Abs(now.ToUnixTimeSeconds() - seconds);
        return skew > tolerance.TotalSeconds
            ? Verification.Stale($"timestamp is {skew} s away from the receiver's clock; tolerance is {tolerance.TotalSeconds:0} s")
            : Verification.Valid;
    }

    public static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    /// <summary>
    /// Top-level string properties of a JSON body, without building a document; nothing when it is
    /// not JSON. A property that is there but is not Unicode text (invalid UTF-8, an unpaired
    /// surrogate escape) is named in <see cref="BodyStrings.Problem"/>: it cannot be carried.
    /// </summary>
    public static BodyStrings JsonStrings(ReadOnlySpan<byte> body, string first, string second)
    {
        string? a = null, b = null, problem = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFirst = reader.ValueTextEquals(first);
                var isSecond = !isFirst && reader.ValueTextEquals(second);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && ((isFirst && a is null) || (isSecond && b is null)))
                {
                    var name = isFirst ? first : second;
                    if (!TryGetString(ref reader, out var value))
                    {
                        problem ??= $"the body's \"{name}\" is not Unicode text (invalid UTF-8 or an unpaired surrogate escape)";
                    }
                    else if (isFirst)
                    {
                        a = value;
                    }
                    else
                    {
                        b = value;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A body that is not (complete) JSON names nothing; it was verified all the same.
        }
        return new BodyStrings(a, b, problem);
    }

    private static bool TryGetString(ref Utf8JsonReader reader, out string? value)
    {
        try
        {
            value = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            // GetString refuses text it cannot transcode to UTF-16 without loss.
            value = null;
            return false;
        }
    }
}

/// <param name="First">The first property's text, or null when it is not there.</param>
/// <param name="Second">The second property's text, or null when it is not there.</param>
/// <param name="Problem">Why a property that is there cannot be read, or null.</param>
internal readonly record struct BodyStrings(string? First, string? Second, string? Problem);
