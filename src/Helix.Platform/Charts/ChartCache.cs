using Helix.Platform.Model;

namespace Helix.Platform.Charts;

/// <summary>
/// Where pinned charts are found on disk: <c>HELIX_CHARTS</c>, or the user's cache folder
/// (<c>$XDG_CACHE_HOME/helix/charts</c>). A chart is the folder <c>&lt;chart&gt;-&lt;version&gt;/</c>
/// holding its <c>Chart.yaml</c> (or holding <c>&lt;chart&gt;/Chart.yaml</c>, as <c>helm pull --untar</c> leaves it).
/// </summary>
public sealed class ChartCache(string root)
{
    public string Root { get; } = root;

    public static ChartCache FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("HELIX_CHARTS") is { Length: > 0 } configured)
        {
            return new ChartCache(configured);
        }
        return new ChartCache(Path.Combine(HelixCache(environment), "charts"));
    }

    /// <summary>The user's cache folder for Helix: <c>$XDG_CACHE_HOME/helix</c>, else <c>~/.cache/helix</c>.</summary>
    public static string HelixCache(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var cache = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(environment("HOME") ?? Path.GetTempPath(), ".cache");
        return Path.Combine(cache, "helix");
    }

    /// <summary>Where <c>helm pull --untar</c> puts a pinned chart so <see cref="Find"/> finds it.</summary>
    public string FolderOf(ChartPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return Path.Combine(Root, $"{pin.Chart}-{pin.Version}");
    }

    /// <summary>The folder of the pinned chart, or null when the cache does not have it.</summary>
    public string? Find(ChartPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        var folder = FolderOf(pin);
        foreach (var candidate in new[] { folder, Path.Combine(folder, pin.Chart) })
        {
            if (File.Exists(Path.Combine(candidate, "Chart.yaml")))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>How to put a missing chart into the cache.</summary>
    public string HowToFetch(ChartPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        return $"helix charts --pull (online), or helm {string.Join(' ', Helm.PullArguments(pin, FolderOf(pin)))}, or point HELIX_CHARTS at a folder that has {pin.Chart}-{pin.Version}/";
    }
}
