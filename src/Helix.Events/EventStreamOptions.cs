using System.ComponentModel.DataAnnotations;

namespace Helix.Events;

/// <summary>
/// The JetStream resources that carry webhook events. Producers and consumers bind the same
/// section (<c>Events</c>), so both sides agree on names and limits.
/// </summary>
public sealed record EventStreamOptions : IValidatableObject
{
    public const string Section = "Events";

    /// <summary>Stream of accepted events.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]+$")]
    public string StreamName { get; init; } = "HELIX_EVENTS";

    /// <summary>Every event subject starts with this; the stream captures <c>{prefix}.&gt;</c>.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    public string SubjectPrefix { get; init; } = "helix.events";

    [Range(1, 5)]
    public int Replicas { get; init; } = 1;

    /// <summary>Stream size limit; when full, new events are refused (DiscardNew), never old ones dropped.</summary>
    [Range(1L << 20, long.MaxValue)]
    public long MaxBytes { get; init; } = 10L << 30;

    /// <summary>Message count limit, -1 for none.</summary>
    [Range(-1L, long.MaxValue)]
    public long MaxMessages { get; init; } = -1;

    /// <summary>
    /// How long an event is kept: the time consumers have to catch up after an outage, and how long
    /// its delivery id is remembered (providers retry for up to three days: Stripe, Standard Webhooks).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>JetStream's own Nats-Msg-Id de-duplication window.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Object store bucket for bodies larger than <see cref="InlineBodyLimit"/>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]+$")]
    public string BodiesBucket { get; init; } = "HELIX_WEBHOOK_BODIES";

    /// <summary>Bodies up to this size travel inside the message; larger ones by reference. Stays below the server's max_payload (1 MiB by default).</summary>
    [Range(1024, 8 << 20)]
    public int InlineBodyLimit { get; init; } = 512 << 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DuplicateWindow > MaxAge)
        {
            yield return new ValidationResult("must not exceed MaxAge", [nameof(DuplicateWindow)]);
        }
    }
}
