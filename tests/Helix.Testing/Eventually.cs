using System.Diagnostics;

namespace Helix.Testing;

/// <summary>The suites' one wait-until: polls a probe every 100 ms until its value is done, or fails saying what it last saw.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, Func<T, string> describe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(describe);
        var clock = Stopwatch.StartNew();
        var last = await probe();
        while (!done(last))
        {
            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"not within {within.TotalSeconds:0.#} s: {describe(last)}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
            last = await probe();
        }
        return last;
    }

    /// <summary>Until <paramref name="condition"/> holds.</summary>
    public static Task WaitAsync(Func<bool> condition, TimeSpan within, string what) =>
        WaitAsync(() => Task.FromResult(condition()), ok => ok, within, _ => what);
}
