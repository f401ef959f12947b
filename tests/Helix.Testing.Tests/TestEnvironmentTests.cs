namespace Helix.Testing.Tests;

public sealed class TestEnvironmentTests
{
    private const string Missing = "HELIX_TEST_NEVER_SET_BY_ANYONE";

    private static void NeverSkip(string reason) => Assert.Fail($"skipped: {reason}");

    private sealed class SkippedException : Exception;

    [Fact]
    public void Require_UnderCi_FailsNamingTheVariableAndTheFix()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestEnvironment.Require(Missing, "Widgets", ci: true, NeverSkip));
        Assert.Contains(Missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/services.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_OutsideCi_SkipsWithTheReason()
    {
        string? skippedWith = null;
        Assert.Throws<SkippedException>(() => TestEnvironment.Require(Missing, "Widgets", ci: false, reason =>
        {
            skippedWith = reason;
            throw new SkippedException();
        }));
        Assert.NotNull(skippedWith);
        Assert.Contains(Missing, skippedWith, StringComparison.Ordinal);
        Assert.Contains("Widgets", skippedWith, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_ReturnsTheValueWhenSet()
    {
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), TestEnvironment.Require("PATH", "a shell", ci: true, NeverSkip));
    }

    [Fact]
    public void UniqueName_IsShortAndUnique()
    {
        var names = Enumerable.Range(0, 1000).Select(_ => TestEnvironment.UniqueName("t")).ToHashSet();
        Assert.Equal(1000, names.Count);
        Assert.All(names, n => Assert.Matches("^t_[0-9a-f]{12}$", n));
    }
}
