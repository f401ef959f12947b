using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// AWS access without static keys: the API server signs service-account tokens as an OIDC issuer whose
/// discovery documents sit in a public S3 bucket, IAM trusts that issuer, and a pod that acts on AWS
/// mounts a projected token for the audience STS expects and names the role it assumes. No webhook
/// injects this: each pod that needs it says so in the tree, where it can be read and verified.
/// </summary>
internal static class WorkloadIdentity
{
    /// <summary>The audience IAM's OIDC provider admits (its client id).</summary>
    public const string Audience = "sts.amazonaws.com";

    /// <summary>Where a pod mounts its projected token, and the file's name in it.</summary>
    public const string TokenDirectory = "/var/run/secrets/aws";

    public const string TokenFile = "token";

    public const string TokenVolume = "aws-token";

    /// <summary>The discovery documents' keys in the issuer bucket (the API server serves the same paths).</summary>
    public const string DiscoveryKey = ".well-known/openid-configuration";

    public const string JwksKey = "openid/v1/jwks";

    /// <summary>STS answers the role assumption at its regional endpoint (the pods' day-one egress).</summary>
    public static string StsHost(PlatformSpec spec) => $"sts.{spec.Infra.Aws.Region}.amazonaws.com";

    /// <summary>The bucket holding the issuer's public discovery documents (account id: bucket names are global).</summary>
    public static string IssuerBucket(PlatformSpec spec) => $"{spec.Name}-oidc-{spec.Infra.Aws.AccountId}";

    /// <summary>The service-account issuer: the bucket's regional address.</summary>
    public static string Issuer(PlatformSpec spec) => $"https://{IssuerBucket(spec)}.s3.{spec.Infra.Aws.Region}.amazonaws.com";

    /// <summary>The environment an AWS SDK reads the role and the token from.</summary>
    public static IReadOnlyList<(string Name, string Value)> Variables(PlatformSpec spec, AwsIdentity identity, string tokenDirectory = TokenDirectory) =>
    [
        ("AWS_ROLE_ARN", identity.RoleArn(spec)),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", $"{tokenDirectory}/{TokenFile}"),
        ("AWS_REGION", spec.Infra.Aws.Region),
        ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
    ];

    /// <summary>The same as a container's <c>env</c> in chart values.</summary>
    public static JsonArray Env(PlatformSpec spec, AwsIdentity identity) =>
        [.. Variables(spec, identity).Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["value"] = v.Value })];

    /// <summary>The projected token source: short-lived, for STS only, rotated by the kubelet.</summary>
    public static JsonObject TokenSource() => new()
    {
        ["serviceAccountToken"] = new JsonObject { ["audience"] = Audience, ["expirationSeconds"] = 3600, ["path"] = TokenFile },
    };

    /// <summary>A pod volume holding the projected token.</summary>
    public static JsonObject Volume() => new()
    {
        ["name"] = TokenVolume,
        ["projected"] = new JsonObject { ["sources"] = new JsonArray(TokenSource()) },
    };

    public static JsonObject Mount() => new() { ["name"] = TokenVolume, ["mountPath"] = TokenDirectory, ["readOnly"] = true };
}
