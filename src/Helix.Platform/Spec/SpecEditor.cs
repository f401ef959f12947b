using System.Globalization;
using System.Text;

namespace Helix.Platform.Spec;

/// <summary>
/// Edits the spec's text in place for <c>helix onboard</c> and <c>helix offboard</c>: the tenant's
/// block is added to or cut from the <c>tenants</c> list, and every other line, comment and blank
/// stays as the engineer wrote it. The caller re-loads the result before writing it.
/// </summary>
public static class SpecEditor
{
    public static string AddTenant(string text, TenantSpec tenant)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tenant);
        var lines = Lines(text);
        var block = Block(tenant);
        var (start, end) = Section(lines);
        if (start < 0)
        {
            if (lines.Count > 0 && lines[^1].Length > 0)
            {
                lines.Add("");
            }
            lines.Add("tenants:");
            lines.AddRange(block);
        }
        else
        {
            if (lines[start].Trim() is "tenants: []" or "tenants: [ ]")
            {
                lines[start] = "tenants:";
            }
            // After the last line of the list, before the blank lines that separate the next key.
            var at = end;
            while (at > start + 1 && lines[at - 1].Trim().Length == 0)
            {
                at--;
            }
            lines.InsertRange(at, block);
        }
        return Join(lines);
    }

    /// <summary>The text without the tenant's block; null when the spec has no such tenant.</summary>
    public static string? RemoveTenant(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = Lines(text);
        var (start, end) = Section(lines);
        if (start < 0)
        {
            return null;
        }
        var first = -1;
        for (var i = start + 1; i < end; i++)
        {
            if (lines[i].TrimEnd() == $"  - name: {name}" || lines[i].TrimEnd() == $"  - name: \"{name}\"")
            {
                first = i;
                break;
            }
        }
        if (first < 0)
        {
            return null;
        }
        var last = first + 1;
        while (last < end && !lines[last].StartsWith("  - ", StringComparison.Ordinal) && (lines[last].StartsWith("    ", StringComparison.Ordinal) || lines[last].Trim().Length == 0))
        {
            last++;
        }
        while (last > first + 1 && lines[last - 1].Trim().Length == 0)
        {
            last--; // keep the blank lines that separate what follows
        }
        lines.RemoveRange(first, last - first);
        var (_, newEnd) = Section(lines);
        if (!lines.Skip(start + 1).Take(newEnd - start - 1).Any(l => l.StartsWith("  - ", StringComparison.Ordinal)))
        {
            lines[start] = "tenants: []";
        }
        return Join(lines);
    }

    /// <summary>
    /// The text with the image of the app whose image repository is <paramref name="image"/>'s set
    /// to it; null when no app runs that repository.
    /// </summary>
    public static string? SetImage(string text, string image)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(image);
        var repository = Repository(image);
        var lines = Lines(text);
        var hit = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (lines[i].StartsWith("    image: ", StringComparison.Ordinal) && Repository(trimmed["image: ".Length..].Trim().Trim('"')) == repository)
            {
                lines[i] = $"    image: {image}";
                hit = true;
            }
        }
        return hit ? Join(lines) : null;
    }

    /// <summary>An image reference without its tag or digest.</summary>
    public static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[..colon] : name;
    }

    private static List<string> Block(TenantSpec tenant)
    {
        var block = new List<string> { $"  - name: {tenant.Name}", $"    team: {Scalar(tenant.Team)}" };
        if (tenant.Zone != "app")
        {
            block.Add($"    zone: {Scalar(tenant.Zone)}");
        }
        block.Add("    quota:");
        block.Add($"      cpu: {Quoted(tenant.Quota.Cpu)}");
        block.Add($"      memory: {Scalar(tenant.Quota.Memory)}");
        block.Add($"      pods: {tenant.Quota.Pods.ToString(CultureInfo.InvariantCulture)}");
        if (tenant.Flows.Count > 0)
        {
            block.Add("    flows:");
            foreach (var flow in tenant.Flows)
            {
                block.Add($"      - to: {Scalar(flow.To)}");
                block.Add($"        port: {flow.Port.ToString(CultureInfo.InvariantCulture)}");
            }
        }
        return block;
    }

    /// <summary>The <c>tenants:</c> line and the index after its last line (the next top-level key or the end).</summary>
    private static (int Start, int End) Section(List<string> lines)
    {
        var start = lines.FindIndex(l => l.StartsWith("tenants:", StringComparison.Ordinal));
        if (start < 0)
        {
            return (-1, -1);
        }
        var end = start + 1;
        while (end < lines.Count && (lines[end].Length == 0 || lines[end][0] is ' ' or '#'))
        {
            end++;
        }
        return (start, end);
    }

    private static string Scalar(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !char.IsAsciiDigit(value[0]) ? value : Quoted(value);

    private static string Quoted(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static List<string> Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').ToList();

    private static string Join(List<string> lines) => new StringBuilder().AppendJoin('\n', lines).Append('\n').ToString();
}
