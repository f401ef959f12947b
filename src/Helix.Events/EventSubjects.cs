using System.Security.Cryptography;
using System.Text;

namespace Helix.Events;

/// <summary>Subjects of events: <c>{prefix}.{source}.{event type tokens}.{delivery token}</c>.</summary>
public static class EventSubjects
{
    private const int MaxTypeLength = 128;

    /// <summary>What the events stream captures.</summary>
    public static string StreamFilter(EventStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"{options.SubjectPrefix}.>";
    }

    /// <summary>Where every event of one webhook source goes: <c>{prefix}.{source}</c> (the source's name is its only subject token).</summary>
    public static string Source(EventStreamOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        return $"{options.SubjectPrefix}.{source}";
    }

    /// <summary>What a consumer of one source's events filters on.</summary>
    public static string SourceFilter(EventStreamOptions options, string source) => $"{Source(options, source)}.>";

    /// <summary>
    /// The subject of one delivery. A provider's type may hold anything: dots stay token separators
    /// (<c>invoice.paid</c> becomes two tokens, so consumers can filter on <c>helix.events.stripe.invoice.&gt;</c>),
    /// other characters outside <c>[A-Za-z0-9_-]</c> become <c>_</c>, empty tokens are dropped.
    /// The last token is derived from the delivery id, so each delivery has a subject of its own.
    /// </summary>
    public static string For(string sourceSubject, string eventType, string deliveryId)
    {
        ArgumentNullException.ThrowIfNull(sourceSubject);
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(deliveryId);

        var builder = new StringBuilder(sourceSubject.Length + Math.Min(eventType.Length, MaxTypeLength) + 40);
        builder.Append(sourceSubject);
        var typeStart = builder.Length;
        var tokenStart = true;
        foreach (var c in eventType.AsSpan(0, Math.Min(eventType.Length, MaxTypeLength)))
        {
            if (c == '.')
            {
                tokenStart = true;
                continue;
            }
            if (tokenStart)
            {
                builder.Append('.');
                tokenStart = false;
            }
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }
        if (builder.Length == typeStart)
        {
            builder.Append(".unknown");
        }
        builder.Append('.').Append(DeliveryToken(deliveryId));
        return builder.ToString();
    }

    /// <summary>128 bits of SHA-256 of the delivery id, lowercase hex: any id becomes a valid, fixed-size token.</summary>
    public static string DeliveryToken(string deliveryId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(deliveryId), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
