using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// The platform repository's GitHub Actions, rendered from the spec so roles, registries, images
/// and the NetBird key stay in step with it: pull requests (build and test, render up to date,
/// verify, Kyverno suite, kubeconform, Terraform validate and plan), images (build, SBOM, Trivy,
/// cosign keyless signing and SBOM attestation, push by digest, promotion PR), infra (apply).
/// Actions are pinned by commit; tools run from images pinned by version.
/// </summary>
internal static class CiWorkflows
{
    public const string Folder = ".github/workflows";

    /// <summary>Actions by commit, with the release the commit is (the comment Dependabot keeps current).</summary>
    public static readonly IReadOnlyDictionary<string, (string Sha, string Version)> Actions = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["actions/checkout"] = ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
        ["actions/setup-dotnet"] = ("67a3573c9a986a3f9c594539f4ab511d57bb3ce9", "v4.3.1"),
        ["hashicorp/setup-terraform"] = ("b9cd54a3c349d3f38e8881555d616ced269862dd", "v3.1.2"),
        ["aws-actions/configure-aws-credentials"] = ("e3dd6a429d7300a6a4c196c26e071d42e0343502", "v4.0.2"),
        ["aquasecurity/trivy-action"] = ("ed142fd0673e97e23eac54620cfb913e5ce36c25", "v0.36.0"),
        ["sigstore/cosign-installer"] = ("398d4b0eeef1380460a10c8013a76f728fb906ac", "v3"),
        ["actions/create-github-app-token"] = ("bcd2ba49218906704ab6c1aa796996da409d3eb1", "v3.2.0"),
        ["actions/upload-artifact"] = ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
        ["actions/download-artifact"] = ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    };

    /// <summary>The GitHub environment whose reviewers approve an apply (and whose name the apply role trusts).</summary>
    public const string ApplyEnvironment = "production";

    public const string TerraformVersion = "1.11.4";
    private const string KyvernoCli = "ghcr.io/kyverno/kyverno-cli:v1.14.1";
    private const string Kubeconform = "ghcr.io/yannh/kubeconform:v0.7.0";
    private const string Syft = "docker.io/anchore/syft:v1.27.0";
    private const string NetBirdClient = TerraformRenderer.NetBirdClientImage;

    /// <summary>Each workflow as (file name, YAML); the pinned action references are written as <c>owner/repo@sha # version</c>.</summary>
    public static IEnumerable<(string Path, string Text)> Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        yield return Write("pull-request.yml", PullRequest(model.Spec));
        yield return Write("images.yml", Images(model.Spec));
        yield return Write("infra.yml", Infra(model.Spec));
    }

    private static (string, string) Write(string name, Dictionary<string, object> workflow)
    {
        var text = YamlWriter.Write(workflow);
        // YAML cannot carry a comment as a value: the version goes after the pinned commit here.
        foreach (var (action, (sha, version)) in Actions)
        {
            text = text.Replace($"uses: {action}@{sha}\n", $"uses: {action}@{sha} # {version}\n", StringComparison.Ordinal);
        }
        return ($"{Folder}/{name}", text); // the renderer writes the generated-file header
    }

    private static string Uses(string action) => $"{action}@{Actions[action].Sha}";

    private static Dictionary<string, object> Step(string name, string? uses = null, string? run = null, Dictionary<string, object>? with = null, Dictionary<string, object>? env = null,
        string? condition = null, string? id = null)
    {
        var step = new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = name };
        if (id is not null)
        {
            step["id"] = id;
        }
        if (condition is not null)
        {
            step["if"] = condition;
        }
        if (uses is not null)
        {
            step["uses"] = uses;
        }
        if (with is not null)
        {
            step["with"] = with;
        }
        if (env is not null)
        {
            step["env"] = env;
        }
        if (run is not null)
        {
            step["run"] = run;
        }
        return step;
    }

    private static Dictionary<string, object> Checkout(bool persist = false) =>
        Step("Check out", Uses("actions/checkout"), with: new() { ["persist-credentials"] = persist });

    private static Dictionary<string, object> Dotnet() =>
        Step("Set up .NET", Uses("actions/setup-dotnet"), with: new() { ["global-json-file"] = "global.json" });

    private static Dictionary<string, object> Job(string name, Dictionary<string, object> permissions, IEnumerable<Dictionary<string, object>> steps, int timeout = 30,
        Dictionary<string, object>? extra = null)
    {
        var job = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = name,
            ["runs-on"] = "ubuntu-24.04",
            ["timeout-minutes"] = timeout,
            ["permissions"] = permissions,
        };
        foreach (var (key, value) in extra ?? [])
        {
            job[key] = value;
        }
        job["steps"] = steps.ToList();
        return job;
    }

    private static Dictionary<string, object> Read() => new(StringComparer.Ordinal) { ["contents"] = "read" };

    private static string RoleArn(PlatformSpec spec, string role) => $"arn:aws:iam::{spec.Infra.Aws.AccountId}:role/{spec.Name}-{role}";

    private static Dictionary<string, object> PullRequest(PlatformSpec spec) => new(StringComparer.Ordinal)
    {
        ["name"] = "pull-request",
        ["on"] = new Dictionary<string, object> { ["pull_request"] = new Dictionary<string, object> { ["branches"] = new[] { spec.GitOps.Branch } } },
        ["permissions"] = Read(),
        ["concurrency"] = new Dictionary<string, object> { ["group"] = "pr-${{ github.event.pull_request.number }}", ["cancel-in-progress"] = true },
        ["jobs"] = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["test"] = Job("Build and test", Read(), [Checkout(), Dotnet(), Step("Build and test against real dependencies", run: "bash .ci/run")], timeout: 45),
            ["platform"] = Job("Rendered platform", Read(),
            [
                Checkout(),
                Dotnet(),
                Step("Rendered files are up to date", run: "dotnet run --project src/Helix.Cli -c Release -- diff"),
                Step("Verify the committed tree", run: "dotnet run --project src/Helix.Cli -c Release -- verify --tree gitops --matrix"),
                Step("Kyverno policy suites", run: $"docker run --rm -v \"$PWD:/repo\" -w /repo {KyvernoCli} test gitops/platform/policies/tests"),
                Step("kubeconform", run: $"docker run --rm -v \"$PWD:/repo\" {Kubeconform} -strict -summary -ignore-missing-schemas -ignore-filename-pattern '/tests/' /repo/gitops"),
                Step("Set up Terraform", Uses("hashicorp/setup-terraform"), with: new() { ["terraform_version"] = TerraformVersion }),
                Step("terraform validate", run: "terraform -chdir=infra/terraform init -backend=false -input=false\nterraform -chdir=infra/terraform validate"),
            ]),
            ["plan"] = Job("Terraform plan", new(StringComparer.Ordinal) { ["contents"] = "read", ["id-token"] = "write" },
            [
                .. PlanSetup(spec),
                Step("terraform plan", run: "terraform -chdir=infra/terraform init -input=false\nterraform -chdir=infra/terraform plan -input=false -lock=false",
                    env: TerraformSecrets()),
                NetBirdLeave(),
            ]),
        },
    };

    /// <summary>Terraform's variables; a plan reads Hetzner with a read-only token, and only the apply job gets the one that writes.</summary>
    /// <summary>A plan job's first steps: the checkout, Terraform, the read-only role, and the mesh (the APIs answer only there).</summary>
    private static IEnumerable<Dictionary<string, object>> PlanSetup(PlatformSpec spec) =>
    [
        Checkout(),
        Step("Set up Terraform", Uses("hashicorp/setup-terraform"), with: new() { ["terraform_version"] = TerraformVersion }),
        Step("Assume the read-only plan role", Uses("aws-actions/configure-aws-credentials"),
            with: new() { ["role-to-assume"] = RoleArn(spec, "github-plan"), ["aws-region"] = spec.Infra.Aws.Region }),
        NetBirdJoin(spec),
    ];

    private static Dictionary<string, object> TerraformSecrets(bool apply = false) => new(StringComparer.Ordinal)
    {
        ["TF_VAR_hcloud_token"] = apply ? "${{ secrets.HCLOUD_TOKEN }}" : "${{ secrets.HCLOUD_TOKEN_READ }}",
        ["TF_VAR_operator_ssh_public_key"] = "${{ vars.OPERATOR_SSH_PUBLIC_KEY }}",
        ["TF_VAR_netbird_token"] = "${{ secrets.NETBIRD_TOKEN }}",
        ["TF_VAR_talos_image_id"] = "${{ vars.TALOS_IMAGE_ID }}",
    };

    /// <summary>An ephemeral NetBird peer for the job: the Talos and Kubernetes APIs answer only the mesh.</summary>
    private static Dictionary<string, object> NetBirdJoin(PlatformSpec spec) => Step("Join the NetBird mesh (ephemeral)",
        run: $"docker run -d --name netbird --cap-add=NET_ADMIN --cap-add=SYS_ADMIN --network=host -e NB_SETUP_KEY -e NB_MANAGEMENT_URL={spec.Infra.NetBird.ManagementUrl} {NetBirdClient}\nsleep 15",
        env: new() { ["NB_SETUP_KEY"] = $"${{{{ secrets.{SecretName(spec.Infra.NetBird.SetupKeySecret)} }}}}" });

    private static Dictionary<string, object> NetBirdLeave() => Step("Leave the mesh", run: "docker rm -f netbird", condition: "always()");

    internal static string SecretName(string name) => name.Replace('-', '_').ToUpperInvariant();

    /// <summary>Helix's own services, by the project that builds each.</summary>
    private static IEnumerable<(string App, string Project)> Services(PlatformSpec spec) =>
        spec.Apps.Where(a => a.Kind is AppKind.WebhookReceiver or AppKind.Orchestrator or AppKind.Remediation)
            .Select(a => (a.Name, a.Kind switch
            {
                AppKind.WebhookReceiver => "src/Helix.Webhooks",
                AppKind.Orchestrator => "src/Helix.Orchestrator",
                _ => "src/Helix.Remediation",
            }));

    /// <summary>
    /// Upstream apps, each with the image it is mirrored from and its copy in the platform's registry: the
    /// spec's image while it names a tag (so it exists before a release pins it), else the upstream's tag.
    /// </summary>
    internal static IEnumerable<(string App, string Upstream, string Target)> Mirrors(PlatformSpec spec) =>
        spec.Apps.Where(a => a.Upstream is not null).Select(a => (a.Name, a.Upstream!,
            a.Image.Contains('@', StringComparison.Ordinal) ? $"{Spec.SpecEditor.Repository(a.Image)}:{MirrorTag(a.Upstream!)}" : a.Image));

    /// <summary>The upstream's tag, or for one pinned by digest <c>sha256-</c> and its first 12 hex digits.</summary>
    private static string MirrorTag(string upstream)
    {
        var at = upstream.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? upstream : upstream[..at];
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[(colon + 1)..] : $"sha256-{upstream[(at + "@sha256:".Length)..][..12]}";
    }

    private static readonly string[] PromoteNeeds = ["image", "mirror"];

    private static Dictionary<string, object> Login() => Step("Log in to the registry", run: "echo \"$TOKEN\" | docker login ghcr.io -u \"$ACTOR\" --password-stdin",
        env: new() { ["TOKEN"] = "${{ secrets.GITHUB_TOKEN }}", ["ACTOR"] = "${{ github.actor }}" });

    /// <summary>What every image the platform runs goes through once in its registry: SBOM, Trivy, keyless signature and SBOM attestation.</summary>
    private static IEnumerable<Dictionary<string, object>> ScanSignAttest() =>
    [
        Step("SBOM (CycloneDX)", run: $"docker run --rm {Syft} \"${{{{ steps.push.outputs.image }}}}\" -o cyclonedx-json > sbom.cdx.json"),
        Step("Trivy: fail on critical or high", Uses("aquasecurity/trivy-action"), with: new()
        {
            ["image-ref"] = "${{ steps.push.outputs.image }}",
            ["severity"] = "CRITICAL,HIGH",
            ["ignore-unfixed"] = true,
            ["exit-code"] = "1",
        }),
        Step("Install cosign", Uses("sigstore/cosign-installer")),
        Step("Sign and attest the SBOM (keyless, GitHub OIDC)", run:
            "cosign sign --yes \"${{ steps.push.outputs.image }}\"\n" +
            "cosign attest --yes --type cyclonedx --predicate sbom.cdx.json \"${{ steps.push.outputs.image }}\""),
    ];

    private static Dictionary<string, object> Matrix(IEnumerable<Dictionary<string, object>> include) => new()
    {
        ["fail-fast"] = false,
        ["matrix"] = new Dictionary<string, object> { ["include"] = include.ToList() },
    };

    private static Dictionary<string, object> Images(PlatformSpec spec)
    {
        var registry = spec.SupplyChain.Registries[0];
        var services = Services(spec).ToList();
        var mirrors = Mirrors(spec).ToList();
        var publish = new Dictionary<string, object>(StringComparer.Ordinal) { ["contents"] = "read", ["packages"] = "write", ["id-token"] = "write" };
        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = "images",
            ["on"] = new Dictionary<string, object> { ["push"] = new Dictionary<string, object> { ["branches"] = new[] { spec.GitOps.Branch },
                ["paths"] = new[] { "src/**", "Directory.*.props", "global.json", "platform/helix.yaml" } } },
            ["permissions"] = Read(),
            ["jobs"] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["image"] = Job("Build, scan, sign and push", publish,
                [
                    Checkout(),
                    Dotnet(),
                    Login(),
                    Step("Build and push by digest", id: "push", run:
                        "dotnet publish \"${{ matrix.project }}\" -c Release -t:PublishContainer \\\n" +
                        $"  -p:ContainerRegistry=ghcr.io -p:ContainerRepository={registry["ghcr.io/".Length..]}/${{{{ matrix.app }}}} -p:ContainerImageTags=${{{{ github.sha }}}}\n" +
                        $"digest=$(docker buildx imagetools inspect {registry}/${{{{ matrix.app }}}}:${{{{ github.sha }}}} --format '{{{{json .Manifest.Digest}}}}' | tr -d '\"')\n" +
                        $"echo \"image={registry}/${{{{ matrix.app }}}}@$digest\" >> \"$GITHUB_OUTPUT\""),
                    .. ScanSignAttest(),
                ], timeout: 45, extra: new()
                {
                    ["strategy"] = Matrix(services.Select(s => new Dictionary<string, object> { ["app"] = s.App, ["project"] = s.Project })),
                }),
                // Upstream images are copied into the platform's registry (every platform, by manifest) and go through the same scan and signature.
                ["mirror"] = Job("Mirror, scan, sign and attest upstream images", publish,
                [
                    Login(),
                    Step("Copy into the platform's registry", id: "push", run:
                        "docker buildx imagetools create --tag \"$TARGET\" \"$UPSTREAM\"\n" +
                        "digest=$(docker buildx imagetools inspect \"$TARGET\" --format '{{json .Manifest.Digest}}' | tr -d '\"')\n" +
                        "echo \"image=${TARGET%:*}@$digest\" >> \"$GITHUB_OUTPUT\"",
                        env: new() { ["UPSTREAM"] = "${{ matrix.upstream }}", ["TARGET"] = "${{ matrix.target }}" }),
                    .. ScanSignAttest(),
                ], timeout: 45, extra: new()
                {
                    ["strategy"] = Matrix(mirrors.Select(m => new Dictionary<string, object> { ["app"] = m.App, ["upstream"] = m.Upstream, ["target"] = m.Target })),
                }),
                // The pull request is opened with the release App's token: one opened with the workflow's own token starts no workflow, so no check would run on it.
                ["promote"] = Job("Promote: pin the new digests in the GitOps tree", Read(),
                [
                    Step("Token of the release App", Uses("actions/create-github-app-token"), id: "app",
                        with: new() { ["client-id"] = "${{ vars.RELEASE_APP_CLIENT_ID }}", ["private-key"] = "${{ secrets.RELEASE_APP_PRIVATE_KEY }}" }),
                    Step("Check out", Uses("actions/checkout"), with: new() { ["token"] = "${{ steps.app.outputs.token }}", ["persist-credentials"] = true }),
                    Dotnet(),
                    Step("Open the promotion pull request", env: new() { ["GH_TOKEN"] = "${{ steps.app.outputs.token }}" }, run:
                        $"images=$(for ref in {string.Join(" ", services.Select(s => $"{registry}/{s.App}:${{{{ github.sha }}}}").Concat(mirrors.Select(m => m.Target)))}; do " +
                        "d=$(docker buildx imagetools inspect \"$ref\" --format '{{json .Manifest.Digest}}' 2>/dev/null | tr -d '\"'); " +
                        "[ -n \"$d\" ] && printf -- '--image %s@%s ' \"${ref%:*}\" \"$d\"; done)\n" +
                        "branch=helix/release/${{ github.sha }}\n" +
                        "git switch -c \"$branch\"\n" +
                        "dotnet run --project src/Helix.Cli -c Release -- release $images\n" +
                        "git -c user.name=helix-release -c user.email=helix-release@users.noreply.github.com commit -am \"Release ${{ github.sha }}: pin image digests\"\n" +
                        "git push origin \"$branch\"\n" +
                        $"gh pr create --base {spec.GitOps.Branch} --head \"$branch\" --title \"Release ${{{{ github.sha }}}}\" --body \"Pins the digests signed by the images workflow.\""),
                ], timeout: 20, extra: new() { ["needs"] = PromoteNeeds }),
            },
        };
    }

    /// <summary>The saved plan and its data key, sealed with the platform's KMS key: a plan holds the values it will write.</summary>
    private const string Seal =
        "key=$(aws kms generate-data-key --key-id \"$KMS_KEY\" --key-spec AES_256 --output json)\n" +
        "echo \"$key\" | jq -r .CiphertextBlob > plan/tfplan.key\n" +
        "PASS=$(echo \"$key\" | jq -r .Plaintext) openssl enc -aes-256-cbc -pbkdf2 -pass env:PASS -in infra/terraform/tfplan -out plan/tfplan.enc";

    private const string Unseal =
        "PASS=$(aws kms decrypt --ciphertext-blob fileb://<(base64 -d plan/tfplan.key) --query Plaintext --output text) \\\n" +
        "  openssl enc -d -aes-256-cbc -pbkdf2 -pass env:PASS -in plan/tfplan.enc -out infra/terraform/tfplan";

    /// <summary>
    /// Infra: the plan is made once on main with the read-only role, shown in the run's summary, and
    /// sealed; the apply job waits for the production environment's reviewers and applies exactly that
    /// plan (Terraform refuses it if the state moved since). No auto-approve.
    /// </summary>
    private static Dictionary<string, object> Infra(PlatformSpec spec) => new(StringComparer.Ordinal)
    {
        ["name"] = "infra",
        ["on"] = new Dictionary<string, object> { ["push"] = new Dictionary<string, object> { ["branches"] = new[] { spec.GitOps.Branch }, ["paths"] = new[] { "infra/**" } } },
        ["permissions"] = Read(),
        ["concurrency"] = new Dictionary<string, object> { ["group"] = "terraform-apply", ["cancel-in-progress"] = false },
        ["jobs"] = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["plan"] = Job("Terraform plan", new(StringComparer.Ordinal) { ["contents"] = "read", ["id-token"] = "write" },
            [
                .. PlanSetup(spec),
                Step("terraform plan", env: TerraformSecrets(), run:
                    "terraform -chdir=infra/terraform init -input=false\n" +
                    "terraform -chdir=infra/terraform plan -input=false -out=tfplan\n" +
                    "terraform -chdir=infra/terraform show -no-color tfplan >> \"$GITHUB_STEP_SUMMARY\""),
                NetBirdLeave(),
                Step("Seal the plan", env: new() { ["KMS_KEY"] = TerraformRenderer.KmsAlias(spec) }, run: "mkdir -p plan\n" + Seal),
                Step("Keep the plan for the apply job", Uses("actions/upload-artifact"),
                    with: new() { ["name"] = "tfplan", ["path"] = "plan/", ["retention-days"] = 7, ["if-no-files-found"] = "error" }),
            ]),
            ["apply"] = Job("Terraform apply: the reviewed plan", new(StringComparer.Ordinal) { ["contents"] = "read", ["id-token"] = "write" },
            [
                Checkout(),
                Step("Set up Terraform", Uses("hashicorp/setup-terraform"), with: new() { ["terraform_version"] = TerraformVersion }),
                Step("Assume the apply role", Uses("aws-actions/configure-aws-credentials"),
                    with: new() { ["role-to-assume"] = RoleArn(spec, "github-actions"), ["aws-region"] = spec.Infra.Aws.Region }),
                Step("The plan the reviewers approved", Uses("actions/download-artifact"), with: new() { ["name"] = "tfplan", ["path"] = "plan/" }),
                Step("Unseal the plan", run: Unseal),
                NetBirdJoin(spec),
                Step("terraform apply", env: TerraformSecrets(apply: true), run:
                    "terraform -chdir=infra/terraform init -input=false\nterraform -chdir=infra/terraform apply -input=false tfplan"),
                NetBirdLeave(),
            ], timeout: 60, extra: new() { ["needs"] = "plan", ["environment"] = ApplyEnvironment }),
        },
    };
}
