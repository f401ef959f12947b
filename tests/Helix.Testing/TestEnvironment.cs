namespace Helix.Testing;

/// <summary>
/// Reads the <c>HELIX_TEST_*</c> variables that <c>scripts/services.sh env</c> prints. A missing
/// variable fails the test under CI (a dependency CI did not start is a broken CI, never a pass)
/// and skips it, with the reason, on a developer's machine.
/// </summary>
public static class TestEnvironment
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Require(string variable, string service) =>
        Require(variable, service, IsCi, reason => Assert.Skip(reason));

    internal static string Require(string variable, string service, bool ci, Action<string> skip)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var reason = $"{variable} is not set, so {service} is not available. Run scripts/test.sh, or "
            + "scripts/services.sh start and then eval \"$(scripts/services.sh env)\".";
        if (ci)
        {
            throw new InvalidOperationException($"CI=true and {reason}");
        }
        skip(reason);
        throw new InvalidOperationException(reason); // skip throws; this line is never reached
    }

    /// <summary>A short name unique to one test: used for schemas, streams, key prefixes, repos.</summary>
    public static string UniqueName(string prefix) =>
        $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The repository's root: the folder holding <c>Helix.slnx</c>, above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Helix.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("the repository root (Helix.slnx) is not above the test binaries");
    }
}
