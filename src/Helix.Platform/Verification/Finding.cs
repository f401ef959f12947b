namespace Helix.Platform.Verification;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>One result of verifying the rendered tree: where, which object (<c>kind/namespace/name</c>), which rule, and how to fix it.</summary>
public sealed record Finding(Severity Severity, string File, string Resource, string Rule, string Message, string Fix)
{
    public override string ToString() => $"{File}: {Resource}: [{Rule}] {Message} (fix: {Fix})";
}
