using System.Text.Json;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

internal static partial class PromiseRules
{
    public const string StaticKeysRule = "no-static-keys";

    /// <summary>Names an AWS access key goes by: the SDKs' variables, and the keys Secrets hold them under.</summary>
    private static readonly HashSet<string> AwsKeyNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ACCESS_KEY_ID", "ACCESS_SECRET_KEY", "access-key-id", "secret-access-key", "aws_access_key_id", "aws_secret_access_key",
    };

    private static readonly string[] Route53KeyFields = ["accessKeyID", "accessKeyIDSecretRef", "secretAccessKeySecretRef"];

    /// <summary>
    /// No static AWS key anywhere in the cluster: pods assume roles with projected tokens (workload
    /// identity), so a Secret, an env variable or a custom resource holding a key is a key that leaks
    /// and never rotates.
    /// </summary>
    private static IEnumerable<string> StaticKeys(KubeObject o, JsonElement? pod)
    {
        if (o.Group == "" && o.Kind == "Secret")
        {
            foreach (var field in new[] { "data", "stringData" })
            {
                foreach (var key in KubeObject.Map(o.Json, field).Keys.Where(AwsKeyNames.Contains))
                {
                    yield return $"it holds an AWS access key ({field}.{key})";
                }
            }
        }
        if (o.Group == "cert-manager.io" && o.Kind is "ClusterIssuer" or "Issuer")
        {
            foreach (var solver in KubeObject.Items(o.At("spec", "acme", "solvers")))
            {
                if (KubeObject.Element(solver, "dns01", "route53") is { } route53
                    && Route53KeyFields.FirstOrDefault(k => KubeObject.Element(route53, k) is not null) is { } field)
                {
                    yield return $"its Route 53 solver authenticates with a static key ({field})";
                }
            }
        }
        if (o.Group == "barmancloud.cnpg.io" && o.Kind == "ObjectStore" && KubeObject.Element(o.Json, "spec", "configuration", "s3Credentials") is { } s3
            && (KubeObject.Element(s3, "accessKeyId") is not null || KubeObject.Element(s3, "secretAccessKey") is not null))
        {
            yield return "its backups authenticate to S3 with a static key (s3Credentials.accessKeyId)";
        }
        foreach (var container in ContainerFields.SelectMany(f => KubeObject.Items(pod is { } p ? KubeObject.Element(p, f) : null)))
        {
            foreach (var name in KubeObject.Items(KubeObject.Element(container, "env")).Select(e => KubeObject.Text(e, "name")).OfType<string>().Where(AwsKeyNames.Contains))
            {
                yield return $"container {KubeObject.Text(container, "name")} reads an AWS access key from {name}";
            }
        }
    }
}
