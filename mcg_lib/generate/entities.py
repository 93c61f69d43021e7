"""Records of artists.xml, labels.xml and masters.xml."""

from __future__ import annotations

from mcg_lib.generate import names, vocab
from mcg_lib.generate.credits import Credit, render_credits
from mcg_lib.generate.plan import Plan
from mcg_lib.generate.rand import Rng, Weighted, derive_seed
from mcg_lib.generate.text import Text
from mcg_lib.generate.world import World
from mcg_lib.generate.xmlout import Era, esc

DATA_QUALITY = Weighted(list(vocab.DATA_QUALITY))


class EntityBuilder:
    """Write artist, label and master records; each kind has its own random stream."""

    def __init__(self, world: World, plan: Plan, era: Era, seed: int) -> None:
        self.world = world
        self.plan = plan
        self.era = era
        self.text = Text(world)
        self.artist_rng = Rng(derive_seed(seed, "artist-records"))
        self.label_rng = Rng(derive_seed(seed, "label-records"))
        self.master_rng = Rng(derive_seed(seed, "master-records"))

    def artist(self, index: int) -> str:
        """Return the XML of the artist at ``index``, or "" for Various (absent from the dumps)."""
        world, era, rng = self.world, self.era, self.artist_rng
        a = world.artists
        artist_id = world.artist_ids[index]
        if artist_id == vocab.VARIOUS:
            return ""
        parts = ["\n<artist>"]
        if era.has_images:
            parts.append(self.text.images(rng, 0.3))
        parts.append(f"<id>{artist_id}</id><name>{world.xml_names[index]}</name>")
        if a.pseudo[index]:
            parts.append(f"<profile>{esc(vocab.PSEUDO_PROFILES[artist_id])}</profile>")
            parts.append("<data_quality>Correct</data_quality></artist>")
            return "".join(parts)

        if not a.is_group[index] and rng.chance(0.2):
            parts.append(f"<realname>{esc(world.words.person(rng))}</realname>")
        profile = self.text.artist_profile(rng, index) if rng.chance(0.45) else ""
        parts.append(era.leaf("profile", profile))
        parts.append(f"<data_quality>{rng.weighted(DATA_QUALITY)}</data_quality>")
        if rng.chance(0.17):
            urls = self.text.urls(rng, a.names.display[index])
            parts.append("<urls>" + "".join(f"<url>{u}</url>" for u in urls) + "</urls>")
        variations = names.name_variations(a.names.display[index])
        if variations and rng.chance(0.3):
            chosen = rng.sample(variations, rng.between(1, 4))
            parts.append(
                "<namevariations>"
                + "".join(f"<name>{esc(v)}</name>" for v in chosen)
                + "</namevariations>"
            )
        parts.append(self._named_links("aliases", a.related(a.aliases, index)))
        members = a.related(a.members, index)
        if members:
            parts.append(era.members([(world.artist_ids[m], world.xml_names[m]) for m in members]))
        parts.append(self._named_links("groups", a.related(a.groups, index)))
        parts.append("</artist>")
        return "".join(parts)

    def _named_links(self, tag: str, targets: list[int]) -> str:
        if not targets:
            return ""
        ids, xml_names = self.world.artist_ids, self.world.xml_names
        inner = "".join(f'<name id="{ids[t]}">{xml_names[t]}</name>' for t in targets)
        return f"<{tag}>{inner}</{tag}>"

    def label(self, index: int) -> str:
        """Return the XML of the label at ``index``, sublabels and parent label included."""
        world, era, rng = self.world, self.era, self.label_rng
        labels = world.labels
        parts = ["\n<label>"]
        if era.has_images:
            parts.append(self.text.images(rng, 0.45))
        parts.append(f"<id>{world.label_ids[index]}</id>")
        if not (index == labels.retired and era.name == "2025"):
            parts.append(f"<name>{world.xml_label_names[index]}</name>")

        display = labels.names.display[index]
        if rng.chance(0.15):
            parts.append(f"<contactinfo>{self.text.contact_info(rng, display)}</contactinfo>")
        if rng.chance(0.3):
            parts.append(f"<profile>{self.text.label_profile(rng, index)}</profile>")
        parts.append(f"<data_quality>{rng.weighted(DATA_QUALITY)}</data_quality>")

        parent = int(labels.parent[index])
        if parent >= 0:
            parent_name = world.xml_label_names[parent]
            parts.append(f'<parentLabel id="{world.label_ids[parent]}">{parent_name}</parentLabel>')
        if rng.chance(0.18):
            urls = self.text.urls(rng, display)
            parts.append("<urls>" + "".join(f"<url>{u}</url>" for u in urls) + "</urls>")
        parts.append(self._sublabels(index))
        parts.append("</label>")
        return "".join(parts)

    def _sublabels(self, index: int) -> str:
        world = self.world
        offsets, targets = world.labels.sublabels
        children = targets[offsets[index] : offsets[index + 1]].tolist()
        if not children:
            return ""
        ids, xml_names = world.label_ids, world.xml_label_names
        inner = "".join(f'<label id="{ids[c]}">{xml_names[c]}</label>' for c in children)
        return f"<sublabels>{inner}</sublabels>"

    def master(self, m: int) -> str:
        """Return the XML of master ``m``, with the main artists and title of its releases."""
        world, plan, era, rng = self.world, self.plan, self.era, self.master_rng
        core = plan.master_core(m)
        main_release = plan.release_ids[plan.main_release[m]]
        parts = [f'\n<master id="{plan.master_ids[m]}"><main_release>{main_release}</main_release>']
        if era.has_images:
            parts.append(self.text.images(rng, 0.95))
        credits = [Credit(c.artist, c.name, c.anv, esc(c.join)) for c in core.main]
        if credits and era.last_master_join:
            credits[-1] = credits[-1]._replace(join=era.last_master_join)
        parts.append(f"<artists>{render_credits(world, era, rng, credits)}</artists>")
        parts.append(f"<genres><genre>{esc(vocab.GENRES[core.genre][0])}</genre></genres>")
        if core.styles:
            parts.append(
                "<styles>" + "".join(f"<style>{esc(s)}</style>" for s in core.styles) + "</styles>"
            )
        if rng.chance(0.05):
            parts.append(f"<notes>{esc(world.words.title(rng, 3, 8))}.</notes>")
        parts.append(f"<year>{core.year}</year><title>{esc(core.title)}</title>")
        parts.append(f"<data_quality>{rng.weighted(DATA_QUALITY)}</data_quality>")
        if rng.chance(0.55):
            lead = (
                esc(world.artists.names.display[core.main[0].artist])
                if core.main and core.main[0].artist >= 0
                else ""
            )
            parts.append(self.text.videos(rng, era, lead or "Various", [esc(core.title)]))
        parts.append("</master>")
        return "".join(parts)
