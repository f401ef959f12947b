using System.Buffers;
using System.Text;

namespace Helix.Events;

/// <summary>
/// How text from a provider travels in NATS headers, which carry only printable ASCII on one line:
/// the value's UTF-8 bytes, each byte outside <c>!</c>..<c>~</c> and every <c>%</c> written as
/// <c>%XX</c>. The mapping is one to one, so any Unicode text round-trips exactly and two different
/// values never share a header (or a de-duplication key); plain ids such as <c>evt_1</c> read as they are.
/// </summary>
public static class EnvelopeText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        "!\"#$&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Why <paramref name="value"/> cannot be carried as text, or null when it can.</summary>
    /// <remarks>Only text that is not Unicode is refused: an unpaired UTF-16 surrogate has no UTF-8 form.</remarks>
    public static string? Problem(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > maxLength)
        {
            return $"is {value.Length} characters long; at most {maxLength} are carried";
        }
        return IsUnicode(value)
            ? null
            : "holds an unpaired surrogate (such as \\ud800), which is not Unicode text";
    }

    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.AsSpan().ContainsAnyExcept(Plain))
        {
            return value;
        }
        byte[] bytes;
        try
        {
            bytes = Strict.GetBytes(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("the value is not Unicode text (it holds an unpaired surrogate)", nameof(value), e);
        }
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is > 0x20 and < 0x7F && b != '%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(Convert.ToHexString([b]));
            }
        }
        return builder.ToString();
    }

    /// <summary>The text <see cref="Encode"/> wrote; <see cref="FormatException"/> when it is not such a value.</summary>
    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded;
        }
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c != '%')
            {
                bytes.Add(c < 0x80 ? (byte)c : throw new FormatException("an encoded header value is ASCII"));
                continue;
            }
            if (i + 2 >= encoded.Length || !byte.TryParse(encoded.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var value))
            {
                throw new FormatException("'%' is followed by two hex digits in an encoded header value");
            }
            bytes.Add(value);
            i += 2;
        }
        try
        {
            return Strict.GetString([.. bytes]);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("an encoded header value is not UTF-8", e);
        }
    }

    private static bool IsUnicode(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }
}
