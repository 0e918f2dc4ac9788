/**
 * (OpenCLIP model name, pretrained tag) -> Hugging Face hub repo, as in OpenCLIP's pretrained.py `hf_hub`
 * entries (checked against mlfoundations/open_clip main). `quickGelu` mirrors the tag's quick_gelu flag:
 * OpenCLIP forces QuickGELU for these weights even when the model name (e.g. "ViT-B-16") does not say so.
 */
export interface HubModel {
  model: string;
  pretrained: string;
  repo: string;
  quickGelu: boolean;
}

export const HUB_MODELS: readonly HubModel[] = [
  { model: 'ViT-B-16', pretrained: 'openai', repo: 'timm/vit_base_patch16_clip_224.openai', quickGelu: true },
  { model: 'ViT-B-16', pretrained: 'laion2b_s34b_b88k', repo: 'laion/CLIP-ViT-B-16-laion2B-s34B-b88K', quickGelu: false },
  { model: 'ViT-B-16', pretrained: 'metaclip_fullcc', repo: 'timm/vit_base_patch16_clip_224.metaclip_2pt5b', quickGelu: true },
  { model: 'ViT-L-14', pretrained: 'openai', repo: 'timm/vit_large_patch14_clip_224.openai', quickGelu: true },
  { model: 'ViT-L-14', pretrained: 'laion2b_s32b_b82k', repo: 'laion/CLIP-ViT-L-14-laion2B-s32B-b82K', quickGelu: false },
  { model: 'ViT-L-14', pretrained: 'metaclip_fullcc', repo: 'timm/vit_large_patch14_clip_224.metaclip_2pt5b', quickGelu: true },
  { model: 'ViT-L-14-336', pretrained: 'openai', repo: 'timm/vit_large_patch14_clip_336.openai', quickGelu: true },
  { model: 'ViT-H-14', pretrained: 'laion2b_s32b_b79k', repo: 'laion/CLIP-ViT-H-14-laion2B-s32B-b79K', quickGelu: false },
  { model: 'ViT-H-14', pretrained: 'metaclip_fullcc', repo: 'timm/vit_huge_patch14_clip_224.metaclip_2pt5b', quickGelu: true },
];

export function findHubModel(model: string, pretrained: string): HubModel {
  // OpenCLIP's "-quickgelu" model names select the same weights.
  const base = model.replace(/-quickgelu$/, '');
  const hit = HUB_MODELS.find((m) => m.model === base && m.pretrained === pretrained);
  if (!hit) {
    const known = HUB_MODELS.map((m) => `${m.model} ${m.pretrained}`).join(', ');
    throw new Error(
      `unknown model/pretrained '${model} ${pretrained}'; known: ${known}. For other OpenCLIP weights on the hub, ` +
        '`clearclip weights download --repo org/name` fetches them and `--weights <downloaded checkpoint>` uses them',
    );
  }
  return hit;
}
