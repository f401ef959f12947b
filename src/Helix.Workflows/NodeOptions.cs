using System.Net.Sockets;

namespace Helix.Workflows;

/// <summary>
/// How a node is retried: attempts in all, exponential backoff with full jitter, and which errors
/// are worth another attempt (by default: timeouts, network and I/O errors, and exceptions that say
/// they are transient; never a bug such as an argument or state error).
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public double Multiplier { get; init; } = 2;

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public Func<Exception, bool> RetryOn { get; init; } = IsTransient;

    /// <summary>One attempt, no retry.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    public static RetryPolicy Default { get; } = new();

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 = the first retry): random in [0, capped exponential].</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(Multiplier, attempt - 2));
#pragma warning disable CA5394 // jitter, not security
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
    }

    public static bool IsTransient(Exception exception) => exception switch
    {
        ITransientAware aware => aware.IsTransient,
        TimeoutException or HttpRequestException or IOException or SocketException => true,
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };
}

/// <summary>A node's retry policy and time limit per attempt.</summary>
public sealed record NodeOptions
{
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>An attempt running longer is cancelled and counts as a <see cref="TimeoutException"/> (retried).</summary>
    public TimeSpan? Timeout { get; init; }

    public static NodeOptions Default { get; } = new();
}

/// <summary>An error that knows whether trying again can help (a busy model server can; a missing model cannot).</summary>
public interface ITransientAware
{
    bool IsTransient { get; }
}
