import { describe, expect, it } from "vitest";
import { patchGenesis } from "./genesis.js";

const genesis = () => ({
  app_state: {
    gov: { params: { voting_period: "172800s" } },
    mint: { params: { mint_denom: "stake" } },
    staking: { params: { bond_denom: "stake" } },
    inference: { params: { deadline_blocks: 20, audit_probability: "0.050000000000000000" } },
  },
});

describe("patchGenesis", () => {
  it("uses uinfer everywhere, short governance periods and a 30-block deadline", () => {
    const g = patchGenesis(genesis()) as ReturnType<typeof genesis>;
    expect(g.app_state.mint.params.mint_denom).toBe("uinfer");
    expect(g.app_state.staking.params.bond_denom).toBe("uinfer");
    expect(g.app_state.gov.params.voting_period).toBe("20s");
    expect(g.app_state.inference.params.deadline_blocks).toBe(30);
  });

  it("applies x/inference param overrides and refuses unknown names", () => {
    const g = patchGenesis(genesis(), { audit_probability: "1.000000000000000000" }) as ReturnType<typeof genesis>;
    expect(g.app_state.inference.params.audit_probability).toBe("1.000000000000000000");
    expect(() => patchGenesis(genesis(), { audit_probabilty: "1" })).toThrow(/no param "audit_probabilty"/);
  });

  it("applies x/training param overrides and refuses unknown names", () => {
    const withTraining = () => ({ ...genesis(), app_state: { ...genesis().app_state, training: { params: { audit_probability: "0.1", quorum: 2 } } } });
    const g = patchGenesis(withTraining(), {}, { audit_probability: "1.000000000000000000" }) as ReturnType<typeof withTraining>;
    expect(g.app_state.training.params.audit_probability).toBe("1.000000000000000000");
    expect(() => patchGenesis(withTraining(), {}, { quorom: 2 })).toThrow(/x\/training has no param "quorom"/);
    expect(() => patchGenesis(genesis(), {}, { quorum: 2 })).toThrow(/no x\/training state/);
  });
});
