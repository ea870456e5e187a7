//! Every demo plugin gives the same answers as a component in the host runtime as it does
//! linked natively: the native unit tests speak for the component the host runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use lianban::elicense::{InMemory, demo_certificates};
use lianban::runtime::{Described, Imports, Limits, Runtime, RuntimeConfig};
use lianban_e2e::{
    BEREAVEMENT, BUSINESS, NEWBORN, RESTAURANT, RETIREMENT, TODAY, fixture, load, plugin,
};
use lianban_sdk::testing::{WithCertificates, official_calendar};
use lianban_sdk::{Application, Date, MergedApplication, Rules};

fn native(matter: &str) -> Box<dyn Rules> {
    match matter {
        "birth-medical-certificate" => {
            Box::new(lianban_plugin_birth_medical_certificate::BirthMedicalCertificate)
        }
        "vaccination-certificate" => {
            Box::new(lianban_plugin_vaccination_certificate::VaccinationCertificate)
        }
        "birth-registration" => Box::new(lianban_plugin_birth_registration::BirthRegistration),
        "resident-medical-insurance" => {
            Box::new(lianban_plugin_resident_medical_insurance::ResidentMedicalInsurance)
        }
        "social-security-card" => Box::new(lianban_plugin_social_security_card::SocialSecurityCard),
        "company-registration" => {
            Box::new(lianban_plugin_company_registration::CompanyRegistration)
        }
        "seal-engraving-filing" => {
            Box::new(lianban_plugin_seal_engraving_filing::SealEngravingFiling)
        }
        "tax-invoice-setup" => Box::new(lianban_plugin_tax_invoice_setup::TaxInvoiceSetup),
        "employer-social-insurance" => {
            Box::new(lianban_plugin_employer_social_insurance::EmployerSocialInsurance)
        }
        "housing-fund-employer" => {
            Box::new(lianban_plugin_housing_fund_employer::HousingFundEmployer)
        }
        "food-business-license" => {
            Box::new(lianban_plugin_food_business_license::FoodBusinessLicense)
        }
        "outdoor-signboard" => Box::new(lianban_plugin_outdoor_signboard::OutdoorSignboard),
        "fire-safety-inspection" => {
            Box::new(lianban_plugin_fire_safety_inspection::FireSafetyInspection)
        }
        "pension-benefit-approval" => {
            Box::new(lianban_plugin_pension_benefit_approval::PensionBenefitApproval)
        }
        "employee-medical-retirement" => {
            Box::new(lianban_plugin_employee_medical_retirement::EmployeeMedicalRetirement)
        }
        "housing-fund-retirement" => {
            Box::new(lianban_plugin_housing_fund_retirement::HousingFundRetirement)
        }
        "death-medical-certificate" => {
            Box::new(lianban_plugin_death_medical_certificate::DeathMedicalCertificate)
        }
        "cremation-certificate" => {
            Box::new(lianban_plugin_cremation_certificate::CremationCertificate)
        }
        "household-cancellation" => {
            Box::new(lianban_plugin_household_cancellation::HouseholdCancellation)
        }
        "survivor-benefits" => Box::new(lianban_plugin_survivor_benefits::SurvivorBenefits),
        "medical-account-inheritance" => {
            Box::new(lianban_plugin_medical_account_inheritance::MedicalAccountInheritance)
        }
        "housing-fund-inheritance" => {
            Box::new(lianban_plugin_housing_fund_inheritance::HousingFundInheritance)
        }
        other => panic!("no native rules for {other}"),
    }
}

/// The complete fixture, then one variant per field left blank and per material left out,
/// each at the window and online.
fn variants(name: &str, matter: &str) -> Vec<Application> {
    let merged: MergedApplication = serde_json::from_value(fixture(name)).unwrap();
    let complete = merged.for_matter(matter, TODAY);
    // Outside its one-thing a matter often asks for more (a prerequisite's result on paper,
    // or as an electronic certificate).
    let alone = Application {
        one_thing: format!("{matter}-only"),
        ..complete.clone()
    };
    let mut out = vec![complete.clone(), alone];
    for f in &complete.fields {
        out.push(complete.clone().without_field(&f.key));
    }
    for m in &complete.materials {
        out.push(complete.clone().without_material(&m.code));
    }
    let online: Vec<Application> = out
        .iter()
        .map(|a| Application {
            channel: lianban_sdk::Channel::Online,
            ..a.clone()
        })
        .collect();
    out.extend(online);
    out
}

/// Natively and as a component, with the demo platform's electronic certificates on both
/// sides, every variant of the fixture gets the same manifest, findings, exemptions and
/// deadline — for the 0.1.0 and the 0.2.0 plugins alike.
fn agree(matters: &[&str], fixture_name: &str) {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let cal = Arc::new(official_calendar());
    let host = WithCertificates::new(demo_certificates());
    let imports = Imports {
        calendar: cal.clone(),
        elicense: Some(Arc::new(InMemory::new(demo_certificates()))),
    };
    for matter in matters {
        let p = load(&rt, &plugin(matter), matter, Limits::default()).unwrap();
        let rules = native(matter);
        assert_eq!(
            rt.manifest(&p, &imports).unwrap(),
            Described {
                manifest: rules.manifest(),
                capabilities: rules.capabilities(),
            },
            "{matter}: manifest"
        );
        for (i, app) in variants(fixture_name, matter).iter().enumerate() {
            let accepted = Date::ymd(2026, 9, 30);
            let wasm = rt.evaluate(&p, app, accepted, &imports).unwrap();
            let review = lianban_sdk::review_materials(rules.as_ref(), app, &host);
            assert_eq!(
                wasm.materials,
                review.clone().map(|r| r.findings),
                "{matter} #{i}"
            );
            assert_eq!(
                wasm.exempt,
                review.map(|r| r.exempt).unwrap_or_default(),
                "{matter} #{i}"
            );
            assert_eq!(wasm.form, rules.review_form(app, &host), "{matter} #{i}");
            assert_eq!(
                wasm.deadline,
                rules.deadline(app, accepted, &host),
                "{matter} #{i}"
            );
        }
    }
}

#[test]
fn newborn_plugins_agree() {
    agree(NEWBORN, "newborn-window-complete");
}

#[test]
fn business_plugins_agree() {
    agree(BUSINESS, "business-window-complete");
}

#[test]
fn restaurant_plugins_agree() {
    agree(RESTAURANT, "restaurant-window-complete");
}

#[test]
fn retirement_plugins_agree() {
    agree(RETIREMENT, "retirement-window-complete");
}

#[test]
fn bereavement_plugins_agree() {
    agree(BEREAVEMENT, "bereavement-window-complete");
}

#[test]
fn the_example_template_agrees() {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let bytes = lianban_e2e::component("lianban-example-senior-card");
    let p = load(&rt, &bytes, "senior-card", Limits::default()).unwrap();
    let cal = Arc::new(official_calendar());
    let app = Application::new(
        "senior-services",
        "senior-card",
        lianban_sdk::Channel::Window,
        TODAY,
    )
    .with_field("applicant.id-number", "410702199001010015");
    let native = lianban_example_senior_card::SeniorCard;
    let wasm = rt
        .evaluate(&p, &app, TODAY, &Imports::calendar(cal.clone()))
        .unwrap();
    assert_eq!(wasm.form, native.review_form(&app, cal.as_ref()));
    assert_eq!(wasm.materials, native.check_materials(&app, cal.as_ref()));
    // The template logs the applicant's age through the host.
    assert!(
        wasm.logs.iter().any(|l| l.message == "applicant age 36"),
        "{:?}",
        wasm.logs
    );
}
